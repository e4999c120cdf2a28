using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Wal;

/// <summary>
/// Issue 11, defect 2: a WAL segment that cannot be fetched (corrupt copy, unreadable repository, wrong key) must stop
/// recovery with FATAL, never end it early and promote with later commits silently missing. Clusters without data
/// checksums, as plain initdb creates them.
/// </summary>
public sealed class ArchiveGetRecoveryTests
{
    private const string Server = PgArkHarness.Server;
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);
    private static readonly System.Text.RegularExpressions.Regex s_startupFailed =
        new("(aborting startup|shutting down) due to startup process failure");

    [Fact]
    public async Task CorruptSegment_RecoveryStopsWithFatal_ThenContinuesAfterRePush_ContentEqual()
    {
        await using var h = await PgArkHarness.CreateAsync(dataChecksums: false);
        AssertOk(await h.RunAsync("backup", "--server", Server, "--type", "full"));
        // Three segments of commits after the backup; the middle one is damaged in the repository.
        var segments = new List<string>();
        await h.Cluster.ExecuteAsync("CREATE TABLE t (i int PRIMARY KEY, h text)");
        for (var batch = 0; batch < 3; batch++)
        {
            await h.Cluster.ExecuteAsync(
                $"INSERT INTO t SELECT i, md5(i::text) FROM generate_series({batch * 5000 + 1}, {(batch + 1) * 5000}) i");
            segments.Add((await h.Cluster.ScalarAsync<string>("SELECT pg_walfile_name(pg_current_wal_lsn())"))!);
            await h.SwitchAndWaitForArchiveAsync();
        }
        var expected = await TableSnapshot.CaptureDatabaseAsync(h.Cluster, "postgres", CancellationToken.None);
        var damaged = segments[1];

        // Keep a good copy the way an operator would get one back (another repository, a re-push from the source).
        var goodCopy = Path.Combine(h.Folder.Combine("saved"), damaged);
        Directory.CreateDirectory(Path.GetDirectoryName(goodCopy)!);
        AssertOk(await h.RunAsync("archive-get", "--server", Server, damaged, goodCopy));
        var stored = StoredSegment(h.RepositoryPath, damaged);
        var bytes = await File.ReadAllBytesAsync(stored);
        bytes[bytes.Length / 2] ^= 0x5A;
        await File.WriteAllBytesAsync(stored, bytes);

        var (restore, restored) = await RestoreWithoutStartingAsync(h, "restored");
        AssertOk(restore);
        await using (restored)
        {
            await StartExpectingFatalAsync(restored, damaged);

            // Repair: the corrupt object goes, the segment is pushed again; recovery resumes where it stopped.
            File.Delete(stored);
            AssertOk(await h.RunAsync("archive-push", "--server", Server, goodCopy));
            await restored.StartAsync(CancellationToken.None);
            await restored.WaitForRecoveryEndAsync(s_timeout);
            expected.AssertSameContent(await TableSnapshot.CaptureDatabaseAsync(restored, "postgres", CancellationToken.None));
        }
    }

    [Fact]
    public async Task UnreadableRepositoryOrWrongKey_RecoveryStopsWithFatal_ThenRecoversWithGoodKey()
    {
        await using var h = await PgArkHarness.CreateAsync(encrypted: true, dataChecksums: false);
        AssertOk(await h.RunAsync("backup", "--server", Server, "--type", "full"));
        await h.Cluster.ExecuteAsync("CREATE TABLE t AS SELECT i, md5(i::text) AS h FROM generate_series(1, 20000) i");
        await h.SwitchAndWaitForArchiveAsync();
        var expected = await TableSnapshot.CaptureDatabaseAsync(h.Cluster, "postgres", CancellationToken.None);

        var (restore, restored) = await RestoreWithoutStartingAsync(h, "restored");
        AssertOk(restore);
        await using (restored)
        {
            // The repository volume is not mounted: nothing can be read, which is not the end of the archive.
            var away = h.RepositoryPath + ".unmounted";
            Directory.Move(h.RepositoryPath, away);
            await StartExpectingFatalAsync(restored, walName: null);
            Directory.Move(away, h.RepositoryPath);

            // The passphrase file holds another key: decryption fails, recovery must not promote either.
            await h.WritePassphraseFileAsync("passphrase", "not-the-key");
            await StartExpectingFatalAsync(restored, walName: null);

            await h.WritePassphraseFileAsync("passphrase", h.Passphrase!);
            await restored.StartAsync(CancellationToken.None);
            await restored.WaitForRecoveryEndAsync(s_timeout);
            expected.AssertSameContent(await TableSnapshot.CaptureDatabaseAsync(restored, "postgres", CancellationToken.None));
        }
    }

    private static async Task<(CliRun Run, TestCluster Cluster)> RestoreWithoutStartingAsync(PgArkHarness h, string name)
    {
        var target = h.Folder.Combine(name);
        Directory.CreateDirectory(target);
        await Posix.ChownToPostgresAsync(target, recursive: false, CancellationToken.None);
        var run = await h.RunAsync("restore", "--server", Server, "--pgdata", target);
        AssertOk(run);
        var cluster = await TestCluster.AttachAsync(target, new TestClusterAttachOptions
        {
            Settings = new Dictionary<string, string> { ["archive_mode"] = "off" },
            DeleteDataDirectoryOnDispose = true,
            StartTimeout = s_timeout,
            Start = false,
        }, CancellationToken.None);
        return (run, cluster);
    }

    /// <summary>
    /// Starts the restored cluster and waits until its startup process has failed and the postmaster is gone. pg_ctl may
    /// report either outcome (with hot standby it can see the server up before the FATAL), so the log and the control
    /// file are what prove it: a FATAL from restore_command, no promotion, still "in archive recovery".
    /// </summary>
    private static async Task StartExpectingFatalAsync(TestCluster cluster, string? walName)
    {
        var logStart = cluster.ReadLog().Length;
        try
        {
            await cluster.StartAsync(CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            // Expected when the FATAL came before pg_ctl saw the server up; the checks below decide.
        }
        var deadline = DateTime.UtcNow + s_timeout;
        string log;
        while (true)
        {
            log = cluster.ReadLog()[logStart..];
            var pidFile = Path.Combine(cluster.DataDirectory, "postmaster.pid");
            // "aborting startup" before a consistent state, "shutting down" once hot standby had opened for reads.
            if (s_startupFailed.IsMatch(log) && !File.Exists(pidFile))
            {
                break;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"recovery did not stop with FATAL within {s_timeout.TotalSeconds:0} s:\n{log}");
            }
            await Task.Delay(200);
        }
        await cluster.StopAsync(CancellationToken.None);
        Assert.Matches(walName is null
            ? "FATAL:  could not restore file \"[0-9A-F.a-z]+\" from archive"
            : $"FATAL:  could not restore file \"{walName}\" from archive", log);
        Assert.DoesNotContain("database system is ready to accept connections", log, StringComparison.Ordinal);
        Assert.DoesNotContain("selected new timeline ID", log, StringComparison.Ordinal);
        // Promotion removes recovery.signal and writes the next timeline's history file: neither happened.
        Assert.True(File.Exists(Path.Combine(cluster.DataDirectory, "recovery.signal")), "recovery.signal is gone: the server promoted");
        Assert.False(File.Exists(Path.Combine(cluster.DataDirectory, "pg_wal", "00000002.history")), "a new timeline was created");
        if (walName is not null)
        {
            // Stopped in the middle of archive recovery, which the control file records.
            var control = await ProcessRunner.RunAsync(cluster.Binaries.Tool("pg_controldata"), ["-D", cluster.DataDirectory],
                CancellationToken.None);
            Assert.Matches("Database cluster state: +in archive recovery", control.EnsureSuccess().StandardOutput);
        }
    }

    private static string StoredSegment(string repository, string segment) =>
        Assert.Single(Directory.GetFiles(Path.Combine(repository, "servers", Server, "wal"), segment + "-*", SearchOption.AllDirectories));

    private static void AssertOk(CliRun run) => Assert.True(run.ExitCode == 0, run.ToString());
}
