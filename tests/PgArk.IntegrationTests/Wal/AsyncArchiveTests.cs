using System.Diagnostics;
using PgArk.Core.Postgres;
using PgArk.Core.Wal;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Wal;

/// <summary>
/// Asynchronous archiving (<c>archive.async: true</c>) on a real cluster: PostgreSQL's archive_command only waits for the
/// pusher's status; every segment reaches the repository, a killed pusher loses nothing, and archive-push fails rather
/// than claim a segment the repository does not hold.
/// </summary>
public sealed class AsyncArchiveTests
{
    private const string Server = PgArkHarness.Server;
    private const long SegmentSize = 16 * 1024 * 1024;

    private static async Task EnableAsyncAsync(PgArkHarness h, int timeoutSeconds)
    {
        var config = await File.ReadAllTextAsync(h.ConfigPath);
        await File.WriteAllTextAsync(h.ConfigPath,
            config.TrimEnd('\n') + $"\n    archive: {{ async: true, processes: 4, timeout: {timeoutSeconds} }}\n");
    }

    private static string ArchiveCommand(PgArkHarness h) =>
        $"{PgArk.Core.Common.SelfCommand.ShellQuote(PgArkHarness.Executable)} --config {PgArk.Core.Common.SelfCommand.ShellQuote(h.ConfigPath)} archive-push --server {Server} %p";

    private static string SpoolFolder(PgArkHarness h) => Path.Combine(h.Cluster.DataDirectory, "pgark_archive_spool", Server);

    private static string WalFolder(PgArkHarness h) => Path.Combine(h.Cluster.DataDirectory, "pg_wal");

    private static HashSet<string> StoredWalNames(PgArkHarness h) =>
        Directory.EnumerateFiles(Path.Combine(h.RepositoryPath, "servers", Server, "wal"), "*", SearchOption.AllDirectories)
            .Select(Path.GetFileName)
            .Where(n => System.Text.RegularExpressions.Regex.IsMatch(n!, "^[0-9A-F]{24}-[0-9a-f]{64}"))
            .Select(n => n![..24]).ToHashSet(StringComparer.Ordinal);

    private static void AssertEverySegmentStored(PgArkHarness h, string first, string last)
    {
        var stored = StoredWalNames(h);
        var from = WalFileName.Parse(first).SegmentNumber(SegmentSize);
        var to = WalFileName.Parse(last).SegmentNumber(SegmentSize);
        Assert.True(to > from, $"{first}..{last}");
        var missing = Enumerable.Range(0, (int)(to - from + 1))
            .Select(i => WalFileName.SegmentFileName(1, from + (ulong)i, SegmentSize))
            .Where(n => !stored.Contains(n)).ToList();
        Assert.True(missing.Count == 0, "not in the repository: " + string.Join(", ", missing));
    }

    private static async Task<string> CurrentSegmentAsync(PgArkHarness h) =>
        (await h.Cluster.ScalarAsync<string>("SELECT pg_walfile_name(pg_current_wal_lsn())"))!;

    [Fact]
    public async Task AsyncArchive_PgbenchLoad_EverySegmentArchived_PitrToLatestHoldsEveryCommit()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await EnableAsyncAsync(h, timeoutSeconds: 60);
        await PgBench.InitAsync(h.Cluster, "postgres", 5, CancellationToken.None);
        // The backup itself waits for its WAL, which the pusher stores.
        AssertOk(await h.RunAsync("backup", "--server", Server, "--type", "full"));
        var first = await CurrentSegmentAsync(h);
        for (var round = 0; round < 4; round++)
        {
            await PgBench.RunAsync(h.Cluster, "postgres", PgBenchLoad.Transactions(400, clients: 4), CancellationToken.None);
            await h.Cluster.ExecuteAsync($"CREATE TABLE round_{round} AS SELECT i, md5(i::text) AS h FROM generate_series(1, 100000) i");
            await h.Cluster.ScalarAsync<string>("SELECT pg_walfile_name(pg_switch_wal())");
        }
        var expected = await TableSnapshot.CaptureDatabaseAsync(h.Cluster, "postgres", CancellationToken.None);
        var last = await CurrentSegmentAsync(h);
        await h.SwitchAndWaitForArchiveAsync();

        AssertEverySegmentStored(h, first, last);
        // The pusher did the work (its log exists), nothing is left in error.
        Assert.True(File.Exists(Path.Combine(SpoolFolder(h), "pusher.log")), "no pusher ran");
        Assert.Empty(Directory.EnumerateFiles(SpoolFolder(h), "*.error"));
        AssertOk(await h.RunAsync("verify", "--server", Server));
        // check and info show the archive lag and the spool.
        var check = await h.RunAsync("check", "--server", Server);
        AssertOk(check);
        Assert.Contains("async spool: ", check.Stdout, StringComparison.Ordinal);
        Assert.Contains(" 0 error(s)", check.Stdout, StringComparison.Ordinal);
        var info = await h.RunAsync("info", "--server", Server);
        AssertOk(info);
        Assert.Contains("  archive backlog: ", info.Stdout, StringComparison.Ordinal);
        Assert.Contains("async spool: ", info.Stdout, StringComparison.Ordinal);

        var (restore, restored) = await h.RestoreAndStartAsync("latest");
        AssertOk(restore);
        await using (restored!)
        {
            await restored!.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(3));
            expected.AssertSameContent(await TableSnapshot.CaptureDatabaseAsync(restored, "postgres", CancellationToken.None));
            // The spool is local state of the source, never restored.
            Assert.False(Directory.Exists(Path.Combine(restored.DataDirectory, "pgark_archive_spool")));
        }
        await StopPusherAsync(h);
    }

    [Fact]
    public async Task AsyncPusher_KilledMidPush_LosesNothing_ForegroundFailsRatherThanLies()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await EnableAsyncAsync(h, timeoutSeconds: 8);
        await h.Cluster.ExecuteAsync("CREATE TABLE t (i int PRIMARY KEY, h text)");
        AssertOk(await h.RunAsync("backup", "--server", Server, "--type", "full"));
        await StopPusherAsync(h);

        // PostgreSQL stops archiving: ready segments pile up in archive_status.
        await h.Cluster.SetArchiveCommandAsync("false");
        for (var round = 0; round < 16; round++)
        {
            await h.Cluster.ExecuteAsync(
                $"INSERT INTO t SELECT i, md5(i::text) FROM generate_series({round * 20000 + 1}, {(round + 1) * 20000}) i");
            await h.Cluster.ScalarAsync<string>("SELECT pg_walfile_name(pg_switch_wal())");
        }
        var statusFolder = Path.Combine(WalFolder(h), "archive_status");
        var ready = WalAsyncPusher.ReadyFiles(statusFolder);
        Assert.True(ready.Count >= 16, $"{ready.Count} ready files");

        // A pusher (as PostgreSQL's archive-push would start it) is killed with -9 once it has stored some segments.
        using (var runner = StartAsPostgres(h, "archive-pusher", "--server", Server, "--wal-folder", WalFolder(h)))
        {
            await WaitUntilAsync(() => Directory.Exists(SpoolFolder(h)) && Directory.EnumerateFiles(SpoolFolder(h), "*.ok").Any(),
                TimeSpan.FromSeconds(60), "the pusher stored no segment");
            var pid = PusherPid(h);
            Posix.KillNow(pid);
            Assert.True(await Posix.WaitForExitAsync([pid], TimeSpan.FromSeconds(30), CancellationToken.None));
            await runner.WaitForExitAsync();
        }
        // Every segment the spool calls archived is in the repository, byte for byte.
        var okNames = Directory.EnumerateFiles(SpoolFolder(h), "*.ok").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(okNames);
        foreach (var name in okNames)
        {
            var fetched = h.Folder.Combine($"fetched-{name}");
            AssertOk(await h.RunAsync("archive-get", "--server", Server, name, fetched));
            var source = await File.ReadAllBytesAsync(Path.Combine(WalFolder(h), name));
            Assert.True((await File.ReadAllBytesAsync(fetched)).AsSpan().SequenceEqual(source), $"{name} differs");
            File.Delete(fetched);
        }

        // The repository becomes unwritable (a file where the WAL folder was): archive-push for a segment the pusher
        // has not stored fails with the pusher's reason, and nothing says it was archived.
        await h.Cluster.ExecuteAsync("INSERT INTO t SELECT i, 'after kill' FROM generate_series(400001, 410000) i");
        var pending = await h.Cluster.ScalarAsync<string>("SELECT pg_walfile_name(pg_switch_wal())");
        var walArea = Path.Combine(h.RepositoryPath, "servers", Server, "wal");
        var aside = walArea + ".aside";
        Directory.Move(walArea, aside);
        await File.WriteAllTextAsync(walArea, "not a folder");
        await WaitUntilAsync(() => File.Exists(Path.Combine(statusFolder, pending + ".ready")), TimeSpan.FromSeconds(30), "segment not ready");
        var refused = await RunAsPostgresAsync(h, "archive-push", "--server", Server, Path.Combine(WalFolder(h), pending!));
        Assert.True(refused.ExitCode != 0, refused.Output);
        Assert.Contains($"pgark: WAL file {pending} was not archived within 8 s by the asynchronous pusher: ", refused.StandardError,
            StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(SpoolFolder(h), pending + ".ok")));
        await StopPusherAsync(h);

        // Repaired, and PostgreSQL archives through the asynchronous command again: nothing was lost.
        File.Delete(walArea);
        Directory.Move(aside, walArea);
        await h.Cluster.SetArchiveCommandAsync(ArchiveCommand(h));
        var expected = await TableSnapshot.CaptureDatabaseAsync(h.Cluster, "postgres", CancellationToken.None);
        var last = await CurrentSegmentAsync(h);
        await h.SwitchAndWaitForArchiveAsync();
        AssertEverySegmentStored(h, ready[0], last);
        AssertOk(await h.RunAsync("verify", "--server", Server));

        var (restore, restored) = await h.RestoreAndStartAsync("latest");
        AssertOk(restore);
        await using (restored!)
        {
            await restored!.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(3));
            expected.AssertSameContent(await TableSnapshot.CaptureDatabaseAsync(restored, "postgres", CancellationToken.None));
        }
        await StopPusherAsync(h);
    }

    private static int PusherPid(PgArkHarness h) =>
        new WalArchiveSpool(Path.Combine(h.Cluster.DataDirectory, "pgark_archive_spool"), Server).PusherProcessId()
            ?? throw new InvalidOperationException("no pusher process id in the lock file");

    /// <summary>Stops the pusher archive-push started for this test's cluster (it would otherwise idle out on its own).</summary>
    private static async Task StopPusherAsync(PgArkHarness h)
    {
        var spool = new WalArchiveSpool(Path.Combine(h.Cluster.DataDirectory, "pgark_archive_spool"), Server);
        if (spool.IsPusherRunning() && spool.PusherProcessId() is { } pid)
        {
            Posix.KillNow(pid);
            Assert.True(await Posix.WaitForExitAsync([pid], TimeSpan.FromSeconds(30), CancellationToken.None));
        }
    }

    private static Process StartAsPostgres(PgArkHarness h, params string[] args)
    {
        var info = new ProcessStartInfo(Posix.IsRoot ? Posix.RunuserPath : PgArkHarness.Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Posix.IsRoot)
        {
            foreach (var arg in new[] { "-u", "postgres", "--", PgArkHarness.Executable })
            {
                info.ArgumentList.Add(arg);
            }
        }
        foreach (var arg in new[] { "--config", h.ConfigPath }.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }
        return Process.Start(info)!;
    }

    private static Task<ProcessResult> RunAsPostgresAsync(PgArkHarness h, params string[] args) =>
        ProcessRunner.RunAsync(PgArkHarness.Executable, ["--config", h.ConfigPath, .. args],
            new ProcessRunOptions { RunAsPostgres = true, Timeout = TimeSpan.FromMinutes(2) }, CancellationToken.None);

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(what);
            }
            await Task.Delay(5);
        }
    }

    private static void AssertOk(CliRun run) => Assert.True(run.ExitCode == 0, run.ToString());
}
