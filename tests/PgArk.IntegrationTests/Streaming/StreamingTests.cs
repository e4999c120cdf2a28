using System.Diagnostics;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Streaming;

/// <summary>
/// <c>pgark stream</c> on real clusters with archiving off: WAL reaches the repository only through the replication
/// slot; a server restart, a killed walsender, a streamer killed with -9 under pgbench and a promotion to a new timeline
/// leave no gap; restore to latest from streamed WAL (including the newest partial segment) equals the source; as a
/// synchronous standby no committed row is lost to a crash.
/// </summary>
public sealed class StreamingTests
{
    private const string Server = PgArkHarness.Server;
    private const string Slot = "pgark_pg1";

    /// <summary>A harness whose archive_command stores nothing: every WAL byte in the repository came by streaming.</summary>
    private static async Task<PgArkHarness> CreateStreamingHarnessAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var h = await PgArkHarness.CreateAsync(settings: settings);
        await h.Cluster.SetArchiveCommandAsync("true");
        // stream: true (no serve runs here: the tests start the streamer themselves) makes info show the slot.
        var config = await File.ReadAllTextAsync(h.ConfigPath);
        await File.WriteAllTextAsync(h.ConfigPath, config.TrimEnd('\n') + "\n    stream: true\n");
        return h;
    }

    /// <summary>Output of a streamer process, read as it comes (a full pipe would block the streamer's logging).</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Process, System.Text.StringBuilder> s_output = new();

    private static Process StartStreamer(PgArkHarness h)
    {
        var process = h.StartProcess("stream", "--server", Server);
        var output = new System.Text.StringBuilder();
        s_output.Add(process, output);
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static string Output(Process process)
    {
        var output = s_output.GetOrCreateValue(process);
        lock (output)
        {
            return output.ToString();
        }
    }

    private static async Task StopStreamerAsync(Process streamer)
    {
        if (!streamer.HasExited)
        {
            await Posix.SignalAsync(streamer.Id, "TERM", CancellationToken.None);
        }
        Assert.True(await Posix.WaitForExitAsync([streamer.Id], TimeSpan.FromMinutes(2), CancellationToken.None), "the streamer did not stop on SIGTERM");
        await streamer.WaitForExitAsync();
        Assert.True(streamer.ExitCode == 0, $"stream exited with {streamer.ExitCode}:\n{Output(streamer)}");
    }

    private static async Task<int> WaitForStreamingAsync(PgArkHarness h, Process streamer, int? notPid = null)
    {
        var pid = 0;
        await WaitUntilAsync(async () =>
        {
            Assert.False(streamer.HasExited, $"the streamer exited: {Output(streamer)}");
            try
            {
                pid = await h.Cluster.ScalarAsync<int>(
                    $"SELECT coalesce(max(pid), 0) FROM pg_stat_replication WHERE application_name = '{Slot}' AND state = 'streaming'");
            }
            catch (Npgsql.NpgsqlException)
            {
                return false; // the server is still starting
            }
            return pid != 0 && pid != notPid;
        }, TimeSpan.FromMinutes(3), "the streamer did not (re)connect");
        return pid;
    }

    /// <summary>Waits until the streamer reported everything the server has written so far as flushed (durable in the repository).</summary>
    private static async Task WaitForFlushAsync(PgArkHarness h)
    {
        var target = await h.Cluster.ScalarAsync<string>("SELECT pg_current_wal_lsn()::text");
        await WaitUntilAsync(async () => await h.Cluster.ScalarAsync<bool>(
            $"SELECT coalesce(bool_or(flush_lsn >= '{target}'::pg_lsn), false) FROM pg_stat_replication WHERE application_name = '{Slot}'"),
            TimeSpan.FromMinutes(3), $"the streamer did not flush up to {target}");
    }

    /// <summary>Kills (SIGKILL) the streamers still running: the end of every test, whichever way it went.</summary>
    private static void KillRunning(params Process?[] streamers)
    {
        foreach (var streamer in streamers)
        {
            if (streamer is { HasExited: false })
            {
                streamer.Kill();
            }
        }
    }

    /// <summary>
    /// Restores the repository to latest (the WAL in it came only by streaming), starts the copy, and asserts that its
    /// database equals <paramref name="expected"/> and, when given, that table t holds <paramref name="rows"/> rows 1..rows.
    /// </summary>
    private static Task AssertRestoreToLatestEqualsAsync(PgArkHarness h, TableSnapshot expected, int? rows = null) =>
        h.AssertRestoreToLatestEqualsAsync(expected, rows is not { } count ? null : async restored =>
        {
            Assert.Equal(count, await restored.ScalarAsync<long>("SELECT count(*) FROM t"));
            Assert.Equal(count, await restored.ScalarAsync<int>("SELECT max(i) FROM t"));
        });

    private static async Task InsertAsync(PgArkHarness h, int from, int to) =>
        await h.Cluster.ExecuteAsync($"INSERT INTO t SELECT i, md5(i::text) FROM generate_series({from}, {to}) i");

    [Fact]
    public async Task Stream_ArchivingOff_RestartAndKilledWalsender_RestoreToLatestEqualsSource()
    {
        await using var h = await CreateStreamingHarnessAsync();
        var streamer = StartStreamer(h);
        try
        {
            var walsender = await WaitForStreamingAsync(h, streamer);
            await PgBench.InitAsync(h.Cluster, "postgres", 2, CancellationToken.None);
            await h.Cluster.ExecuteAsync("CREATE TABLE t (i int PRIMARY KEY, h text)");
            // The backup waits for its WAL; only the streamer can bring it.
            AssertOk(await h.RunAsync("backup", "--server", Server, "--type", "full"));
            await InsertAsync(h, 1, 50000);
            await PgBench.RunAsync(h.Cluster, "postgres", PgBenchLoad.Transactions(300, clients: 2), CancellationToken.None);

            // The server restarts: the streamer reconnects and continues where it was.
            await h.Cluster.RestartAsync(CancellationToken.None);
            walsender = await WaitForStreamingAsync(h, streamer);
            await InsertAsync(h, 50001, 100000);

            // The walsender is killed under the streamer.
            await h.Cluster.ExecuteAsync($"SELECT pg_terminate_backend({walsender})");
            await WaitForStreamingAsync(h, streamer, notPid: walsender);
            await PgBench.RunAsync(h.Cluster, "postgres", PgBenchLoad.Transactions(300, clients: 2), CancellationToken.None);
            // The last rows stay in the current, incomplete segment: restore must replay its partial copy.
            await InsertAsync(h, 100001, 100100);

            var expected = await TableSnapshot.CaptureDatabaseAsync(h.Cluster, "postgres", CancellationToken.None);
            await WaitForFlushAsync(h);
            var partials = Directory.EnumerateFiles(Path.Combine(h.RepositoryPath, "servers", Server, "wal"), "*.partial-*", SearchOption.AllDirectories)
                .ToList();
            Assert.True(partials.Count >= 1, "no partial segment in the repository");
            // check passes with archiving off (WAL is streamed) and shows the slot; so does info.
            var check = await h.RunAsync("check", "--server", Server);
            AssertOk(check);
            Assert.Contains($"slot {Slot} active", check.Stdout, StringComparison.Ordinal);
            var info = await h.RunAsync("info", "--server", Server);
            AssertOk(info);
            Assert.Contains($"  stream: slot {Slot} active", info.Stdout, StringComparison.Ordinal);
            await StopStreamerAsync(streamer);

            AssertOk(await h.RunAsync("verify", "--server", Server));
            await AssertRestoreToLatestEqualsAsync(h, expected);
        }
        finally
        {
            KillRunning(streamer);
        }
    }

    [Fact]
    public async Task Stream_KilledWithSigkillDuringPgbench_Restarted_NoGap_RestoreToLatestEqualsSource()
    {
        await using var h = await CreateStreamingHarnessAsync();
        var streamer = StartStreamer(h);
        Process? restarted = null;
        using var stopBench = new CancellationTokenSource();
        Task<PgBenchResult>? bench = null;
        try
        {
            var walsender = await WaitForStreamingAsync(h, streamer);
            await PgBench.InitAsync(h.Cluster, "postgres", 2, CancellationToken.None);
            await h.Cluster.ExecuteAsync("CREATE TABLE t (i int PRIMARY KEY, h text)");
            AssertOk(await h.RunAsync("backup", "--server", Server, "--type", "full"));

            // pgbench writes until the test stops it, so the streamer dies with WAL received, in flight to the
            // repository, and not yet received; what it had stored is only what it reported flushed.
            bench = PgBench.RunAsync(h.Cluster, "postgres", PgBenchLoad.For(TimeSpan.FromHours(1), clients: 2), stopBench.Token);
            await InsertAsync(h, 1, 20000);
            await WaitForFlushAsync(h);
            streamer.Kill();
            await streamer.WaitForExitAsync();
            Assert.False(bench.IsCompleted, $"pgbench stopped before the streamer was killed: {bench.Exception}");
            // Written while no streamer runs: the slot keeps it on the server.
            await InsertAsync(h, 20001, 60000);

            restarted = StartStreamer(h);
            await WaitForStreamingAsync(h, restarted, notPid: walsender);
            await InsertAsync(h, 60001, 100000);
            await stopBench.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => bench);
            // The last rows stay in the current, incomplete segment: restore must replay its partial copy.
            await InsertAsync(h, 100001, 100100);

            var expected = await TableSnapshot.CaptureDatabaseAsync(h.Cluster, "postgres", CancellationToken.None);
            await WaitForFlushAsync(h);
            await StopStreamerAsync(restarted);

            // verify fails on any missing segment between the backup and the newest streamed WAL (its continuity check).
            AssertOk(await h.RunAsync("verify", "--server", Server));
            await AssertRestoreToLatestEqualsAsync(h, expected, rows: 100100);
        }
        finally
        {
            await stopBench.CancelAsync();
            KillRunning(streamer, restarted);
            if (bench is not null)
            {
                await Task.WhenAny(bench);
            }
        }
    }

    [Fact]
    public async Task Stream_ServerPromotedToNewTimeline_StreamerFollows_RestoreToLatestEqualsSource()
    {
        await using var h = await CreateStreamingHarnessAsync();
        var streamer = StartStreamer(h);
        try
        {
            var walsender = await WaitForStreamingAsync(h, streamer);
            await h.Cluster.ExecuteAsync("CREATE TABLE t (i int PRIMARY KEY, h text)");
            AssertOk(await h.RunAsync("backup", "--server", Server, "--type", "full"));
            await InsertAsync(h, 1, 50000);

            // The cluster comes back as a standby and is promoted: timeline 2 starts mid-segment; the slot is kept, and
            // the promotion ends the streamer's connection (cascading walsenders stop).
            await h.Cluster.StopAsync(CancellationToken.None);
            var signal = Path.Combine(h.Cluster.DataDirectory, "standby.signal");
            await File.WriteAllTextAsync(signal, "");
            await Posix.ChownToPostgresAsync(signal, recursive: false, CancellationToken.None);
            await h.Cluster.StartAsync(CancellationToken.None);
            Assert.True(await h.Cluster.ScalarAsync<bool>("SELECT pg_promote(true, 600)"), "the promotion did not finish");
            Assert.Equal("00000002", await h.Cluster.ScalarAsync<string>("SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"));
            await InsertAsync(h, 50001, 100000);
            await WaitForStreamingAsync(h, streamer, notPid: walsender);
            // The last rows stay in timeline 2's current segment: restore replays its partial copy.
            await InsertAsync(h, 100001, 100100);

            var expected = await TableSnapshot.CaptureDatabaseAsync(h.Cluster, "postgres", CancellationToken.None);
            await WaitForFlushAsync(h);
            var wal = Path.Combine(h.RepositoryPath, "servers", Server, "wal");
            Assert.NotEmpty(Directory.EnumerateFiles(wal, "00000002.history*", SearchOption.AllDirectories));
            Assert.NotEmpty(Directory.EnumerateFiles(wal, "00000002*.partial-*", SearchOption.AllDirectories));
            await StopStreamerAsync(streamer);
            Assert.Contains("switched to timeline 2", Output(streamer), StringComparison.Ordinal);

            AssertOk(await h.RunAsync("verify", "--server", Server));
            await AssertRestoreToLatestEqualsAsync(h, expected, rows: 100100);
        }
        finally
        {
            KillRunning(streamer);
        }
    }

    [Fact]
    public async Task Stream_FailoverToPromotedStandbyOnAnotherHost_StreamerRepointed_NoGap_RestoreToLatestEqualsStandby()
    {
        await using var h = await CreateStreamingHarnessAsync();
        var streamer = StartStreamer(h);
        Process? repointed = null;
        TestCluster? standby = null;
        try
        {
            await WaitForStreamingAsync(h, streamer);
            await h.Cluster.ExecuteAsync("CREATE TABLE t (i int PRIMARY KEY, h text)");
            AssertOk(await h.RunAsync("backup", "--server", Server, "--type", "full"));
            await InsertAsync(h, 1, 20000);

            // B: a physical standby of A (pg_basebackup -R writes primary_conninfo and standby.signal), another data
            // directory on another port: physical slots are not copied to it.
            var standbyData = h.Folder.Combine("standby");
            await ProcessRunner.RunAsync(h.Cluster.Binaries.Tool("pg_basebackup"),
                ["-D", standbyData, "-R", "-X", "stream", "-h", h.Cluster.SocketDirectory, "-p", h.Cluster.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "-U", "postgres", "--no-sync"],
                new ProcessRunOptions { RunAsPostgres = true, ThrowOnFailure = true, Timeout = TimeSpan.FromMinutes(5) }, CancellationToken.None);
#pragma warning disable CA2000 // disposed in the finally below (declared before the try so the finally sees it)
            standby = await TestCluster.AttachAsync(standbyData,
                new TestClusterAttachOptions { Settings = new Dictionary<string, string> { ["archive_mode"] = "off" }, DeleteDataDirectoryOnDispose = true },
                CancellationToken.None);
#pragma warning restore CA2000
            await InsertAsync(h, 20001, 40000);
            await WaitForFlushAsync(h);
            var primaryEnd = await h.Cluster.ScalarAsync<string>("SELECT pg_current_wal_lsn()::text");
            await WaitUntilAsync(async () => await standby.ScalarAsync<bool>($"SELECT pg_last_wal_replay_lsn() >= '{primaryEnd}'::pg_lsn"),
                TimeSpan.FromMinutes(3), "the standby did not replay the primary's WAL");

            // A stops for good (a clean shutdown sends the standby all its WAL); B is promoted: timeline 2.
            await h.Cluster.StopAsync(CancellationToken.None);
            Assert.True(await standby.ScalarAsync<bool>("SELECT pg_promote(true, 600)"), "the promotion did not finish");
            // Written before any streamer is connected to B: its new slot will start after these rows.
            await standby.ExecuteAsync("INSERT INTO t SELECT i, md5(i::text) FROM generate_series(40001, 60000) i");
            await StopStreamerAsync(streamer);

            // The configuration now points the server at B; the streamer creates its slot there and stores timeline 2
            // from its switch point (the new slot starts later), with the history file recovery needs.
            var config = await File.ReadAllTextAsync(h.ConfigPath);
            await File.WriteAllTextAsync(h.ConfigPath, config
                .Replace(h.Cluster.ConnectionString(), standby.ConnectionString(), StringComparison.Ordinal)
                .Replace($"pgdata: {h.Cluster.DataDirectory}", $"pgdata: {standby.DataDirectory}", StringComparison.Ordinal));
            repointed = StartStreamer(h);
            await WaitForStreamingOnAsync(standby, repointed);
            await standby.ExecuteAsync("INSERT INTO t SELECT i, md5(i::text) FROM generate_series(60001, 60100) i");
            var expected = await TableSnapshot.CaptureDatabaseAsync(standby, "postgres", CancellationToken.None);
            var target = await standby.ScalarAsync<string>("SELECT pg_current_wal_lsn()::text");
            await WaitUntilAsync(async () => await standby.ScalarAsync<bool>(
                $"SELECT coalesce(bool_or(flush_lsn >= '{target}'::pg_lsn), false) FROM pg_stat_replication WHERE application_name = '{Slot}'"),
                TimeSpan.FromMinutes(3), $"the streamer did not flush up to {target} on the promoted standby");
            await StopStreamerAsync(repointed);
            Assert.Contains("new to the repository", Output(repointed), StringComparison.Ordinal);
            var wal = Path.Combine(h.RepositoryPath, "servers", Server, "wal");
            Assert.NotEmpty(Directory.EnumerateFiles(wal, "00000002.history*", SearchOption.AllDirectories));

            AssertOk(await h.RunAsync("verify", "--server", Server));
            await AssertRestoreToLatestEqualsAsync(h, expected, rows: 60100);
        }
        finally
        {
            KillRunning(streamer, repointed);
            if (standby is not null)
            {
                await standby.DisposeAsync();
            }
        }
    }

    private static async Task WaitForStreamingOnAsync(TestCluster cluster, Process streamer) =>
        await WaitUntilAsync(async () =>
        {
            Assert.False(streamer.HasExited, $"the streamer exited: {Output(streamer)}");
            return await cluster.ScalarAsync<long>(
                $"SELECT count(*) FROM pg_stat_replication WHERE application_name = '{Slot}' AND state = 'streaming'") == 1;
        }, TimeSpan.FromMinutes(3), "the streamer did not connect to the promoted standby");

    [Fact]
    public async Task SynchronousStream_CommitWaitsForRepository_KilledPostmaster_LosesNoCommittedRow()
    {
        await using var h = await CreateStreamingHarnessAsync();
        var streamer = StartStreamer(h);
        try
        {
            await WaitForStreamingAsync(h, streamer);
            await h.Cluster.ExecuteAsync("CREATE TABLE t (i int PRIMARY KEY, h text)");
            AssertOk(await h.RunAsync("backup", "--server", Server, "--type", "full"));
            await h.Cluster.SetSettingAsync("synchronous_standby_names", Slot);
            await WaitUntilAsync(async () => await h.Cluster.ScalarAsync<string>(
                $"SELECT coalesce(max(sync_state), '') FROM pg_stat_replication WHERE application_name = '{Slot}'") == "sync",
                TimeSpan.FromMinutes(2), "the streamer did not become the synchronous standby");

            // Each commit returns only once the streamer stored its WAL in the repository: after the segment's first
            // partial copy, as a chunk of the new bytes (the copy is not rewritten per commit). Rows are committed until
            // the repository holds chunks, so the restore below reads them (a clean stop would fold them into one copy).
            var wal = Path.Combine(h.RepositoryPath, "servers", Server, "wal");
            var rows = 0;
            while (rows < 200 || !Directory.EnumerateFiles(wal, "*.partial.*", SearchOption.AllDirectories).Any())
            {
                Assert.True(rows < 1000, "no streamed chunk in the repository after 1000 synchronous commits");
                rows++;
                await h.Cluster.ExecuteAsync($"INSERT INTO t VALUES ({rows}, md5('{rows}'))");
            }
            var expected = await TableSnapshot.CaptureDatabaseAsync(h.Cluster, "postgres", CancellationToken.None);
            // Both crash: what was reported flushed must already be durable in the repository.
            await h.Cluster.KillAsync(CancellationToken.None);
            streamer.Kill();
            await streamer.WaitForExitAsync();

            // verify reads the chunks too (their checksums), and restore to latest replays them.
            AssertOk(await h.RunAsync("verify", "--server", Server));
            await AssertRestoreToLatestEqualsAsync(h, expected, rows);
        }
        finally
        {
            KillRunning(streamer);
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(what);
            }
            await Task.Delay(20);
        }
    }

    private static void AssertOk(CliRun run) => Assert.True(run.ExitCode == 0, run.ToString());
}
