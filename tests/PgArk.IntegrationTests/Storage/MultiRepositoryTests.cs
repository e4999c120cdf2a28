using System.Text.Json;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Storage;

/// <summary>
/// A server with two posix repositories: backups and WAL reach both, reads fall back to the second when the first
/// lacks what is needed, and a broken first repository is reported without starving the second.
/// </summary>
public class MultiRepositoryTests
{
    private const string Server = PgArkHarness.Server;

    [Fact]
    public async Task TwoRepositories_BackupInBoth_InfoShowsBoth_RestoreAndArchiveGetFallBack()
    {
        await using var h = await PgArkHarness.CreateAsync(extraRepositories: ["second"]);
        AssertOk(await h.RunAsync("init", "--server", Server));
        await h.Cluster.ExecuteAsync("CREATE TABLE t AS SELECT i, md5(i::text) AS h FROM generate_series(1, 20000) i");
        var backup = await h.RunAsync("backup", "--server", Server, "--type", "full");
        AssertOk(backup);
        Assert.Contains("in repository 'local' complete", backup.Stdout, StringComparison.Ordinal);
        Assert.Contains("in repository 'second' complete", backup.Stdout, StringComparison.Ordinal);
        var expected = await TableSnapshot.CaptureDatabaseAsync(h.Cluster, "postgres", CancellationToken.None);
        await h.SwitchAndWaitForArchiveAsync();

        var info = await h.RunAsync("--output", "json", "info", "--server", Server);
        AssertOk(info);
        using (var json = JsonDocument.Parse(info.Stdout))
        {
            var entries = json.RootElement.GetProperty("servers").EnumerateArray()
                .Select(s => $"{s.GetProperty("repository").GetString()}:{s.GetProperty("backups").GetArrayLength()}").ToList();
            Assert.Equal(["local:1", "second:1"], entries);
        }
        AssertOk(await h.RunAsync("verify", "--server", Server));

        // The first repository loses its backups and one WAL segment: restore and archive-get use the second.
        Directory.Delete(Path.Combine(h.RepositoryPath, "servers", Server, "backups"), recursive: true);
        var segment = Directory.EnumerateFiles(Path.Combine(h.RepositoryPath, "servers", Server, "wal"), "0000000100000000000000*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal).First();
        File.Delete(segment);
        var walName = Path.GetFileName(segment)[..24];
        var fetched = h.Folder.Combine("fetched");
        var get = await h.RunAsync("archive-get", "--server", Server, walName, fetched);
        AssertOk(get);
        Assert.True(File.Exists(fetched));

        var (restore, restored) = await h.RestoreAndStartAsync("from-second", "--target", "immediate", "--target-action", "promote");
        AssertOk(restore);
        await using (restored!)
        {
            await restored!.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(2));
            expected.AssertSameContent(await TableSnapshot.CaptureDatabaseAsync(restored, "postgres", CancellationToken.None));
        }

        var onlyFirst = await h.RunAsync("restore", "--server", Server, "--pgdata", h.Folder.Combine("nothing"), "--repo", "local");
        Assert.True(onlyFirst.ExitCode == 3, onlyFirst.ToString());
    }

    [Fact]
    public async Task BrokenFirstRepository_SecondStillGetsWalAndBackup_FailureReported()
    {
        await using var h = await PgArkHarness.CreateAsync(extraRepositories: ["second"]);
        AssertOk(await h.RunAsync("init", "--server", Server));

        // A file where the first repository's WAL and backup folders belong: every write there fails, for root and postgres alike.
        foreach (var folder in new[] { "wal", "backups" })
        {
            var path = Path.Combine(h.RepositoryPath, "servers", Server, folder);
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            await File.WriteAllTextAsync(path, "in the way");
        }
        await h.Cluster.ExecuteAsync("CREATE TABLE t AS SELECT i FROM generate_series(1, 10000) i");

        // While 'local' fails, a segment reaches 'second' only when PostgreSQL's archiver tries again, which after three
        // failures it does on its own only every 60 s. The archiver is woken every few seconds instead (a reload sets its
        // latch), so no wait below depends on that schedule; each wait is for a condition, with a timeout.
        using var nudging = new CancellationTokenSource();
        var nudger = NudgeArchiverAsync(h.Cluster, nudging.Token);
        try
        {
            var segment = await h.Cluster.ScalarAsync<string>("SELECT pg_walfile_name(pg_switch_wal())");
            await WaitForSegmentAsync(h.RepositoryPathOf("second"), segment!);

            var backup = await h.RunAsync("backup", "--server", Server, "--type", "full", "--archive-timeout", "300");
            Assert.True(backup.ExitCode != 0, backup.ToString());
            Assert.Contains("backup in repository 'local' failed", backup.Stderr, StringComparison.Ordinal);
            Assert.Contains("in repository 'second'", backup.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            await nudging.CancelAsync();
            await nudger;
        }
        AssertOk(await h.RunAsync("verify", "--server", Server, "--repo", "second"));

        var failed = await h.Cluster.ScalarAsync<long>("SELECT failed_count FROM pg_stat_archiver");
        Assert.True(failed > 0, "archive_command should keep failing while 'local' is broken");
        var info = await h.RunAsync("--output", "json", "info", "--server", Server, "--repo", "second");
        AssertOk(info);
        using var json = JsonDocument.Parse(info.Stdout);
        Assert.Equal(1, json.RootElement.GetProperty("servers")[0].GetProperty("backups").GetArrayLength());
    }

    /// <summary>Wakes PostgreSQL's archiver every two seconds (pg_reload_conf sets its latch) until cancelled.</summary>
    private static async Task NudgeArchiverAsync(TestCluster cluster, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await cluster.ScalarAsync<bool>("SELECT pg_reload_conf()", cancellationToken: cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static async Task WaitForSegmentAsync(string repository, string segment)
    {
        var deadline = DateTime.UtcNow.AddSeconds(300);
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.Exists(repository) && Directory.EnumerateFiles(repository, segment + "-*", SearchOption.AllDirectories).Any())
            {
                return;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"WAL segment {segment} did not reach {repository}");
    }

    private static void AssertOk(CliRun run) => Assert.True(run.ExitCode == 0, run.ToString());
}
