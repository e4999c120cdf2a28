using System.Diagnostics;
using System.Security.Cryptography;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.Core.Postgres;
using PgArk.Core.Wal;
using PgArk.Server.Api;
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

    /// <summary>The shell fast path shipped beside the executable.</summary>
    private static string FastPath => Path.Combine(Path.GetDirectoryName(PgArkHarness.Executable)!, "pgark-archive-push");

    private static string Quote(string s) => PgArk.Core.Common.SelfCommand.ShellQuote(s);

    /// <summary>
    /// Sets archive_command to the fast path; the pgark archive-push it hands over to is a wrapper that appends a line
    /// to the returned file per call, so a test sees how many calls the spool could not answer.
    /// </summary>
    private static async Task<string> UseFastPathAsync(PgArkHarness h)
    {
        Assert.True(File.Exists(FastPath), $"{FastPath} not shipped beside the executable");
        Assert.True(File.GetUnixFileMode(FastPath).HasFlag(UnixFileMode.OtherExecute), $"{FastPath} is not executable");
        var calls = h.Folder.Combine("pgark-calls");
        await File.WriteAllTextAsync(calls, "");
        File.SetUnixFileMode(calls, (UnixFileMode)0x1B6);
        var wrapper = h.Folder.Combine("pgark-counting");
        await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\necho \"$*\" >> {Quote(calls)}\nexec {Quote(PgArkHarness.Executable)} \"$@\"\n");
        File.SetUnixFileMode(wrapper, (UnixFileMode)0x1ED);
        await h.Cluster.SetArchiveCommandAsync(
            $"{Quote(FastPath)} {Quote(SpoolFolder(h))} %p {Quote(wrapper)} --config {Quote(h.ConfigPath)} archive-push --server {Server}");
        return calls;
    }

    private static int SegmentCount(string first, string last) =>
        (int)(WalFileName.Parse(last).SegmentNumber(SegmentSize) - WalFileName.Parse(first).SegmentNumber(SegmentSize) + 1);

    /// <summary>The repository object of <paramref name="walPath"/> is named by the SHA-256 of exactly that file's content.</summary>
    private static void AssertStoredWithChecksum(PgArkHarness h, string walPath)
    {
        var name = Path.GetFileName(walPath);
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(walPath)));
        var stored = Directory.EnumerateFiles(Path.Combine(h.RepositoryPath, "servers", Server, "wal"), "*", SearchOption.AllDirectories)
            .Select(Path.GetFileName).ToList();
        Assert.True(stored.Any(n => n!.StartsWith($"{name}-{sha}", StringComparison.Ordinal)), $"{name} with SHA-256 {sha} not in the repository");
    }

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

        await h.AssertRestoreToLatestEqualsAsync(expected);
        await StopPusherAsync(h);
    }

    [Fact]
    public async Task FastPath_PgbenchLoad_PusherKilledMidRun_EverySegmentStoredAndVerified_RestoreEqualsSource()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await EnableAsyncAsync(h, timeoutSeconds: 60);
        await PgBench.InitAsync(h.Cluster, "postgres", 5, CancellationToken.None);
        AssertOk(await h.RunAsync("backup", "--server", Server, "--type", "full"));
        var calls = await UseFastPathAsync(h);
        var first = await CurrentSegmentAsync(h);
        var spool = new WalArchiveSpool(Path.Combine(h.Cluster.DataDirectory, "pgark_archive_spool"), Server);
        for (var round = 0; round < 6; round++)
        {
            await PgBench.RunAsync(h.Cluster, "postgres", PgBenchLoad.Transactions(300, clients: 4), CancellationToken.None);
            await h.Cluster.ExecuteAsync($"CREATE TABLE round_{round} AS SELECT i, md5(i::text) AS h FROM generate_series(1, 100000) i");
            await h.Cluster.ScalarAsync<string>("SELECT pg_walfile_name(pg_switch_wal())");
            if (round == 2)
            {
                // Mid-run, once it has stored something: kill -9 of the pusher archive-push started.
                await WaitUntilAsync(() => spool.IsPusherRunning() && Directory.EnumerateFiles(SpoolFolder(h), "*.ok").Any(),
                    TimeSpan.FromSeconds(60), "no pusher stored anything");
                var pid = PusherPid(h);
                Posix.KillNow(pid);
                Assert.True(await Posix.WaitForExitAsync([pid], TimeSpan.FromSeconds(30), CancellationToken.None));
            }
        }
        var expected = await TableSnapshot.CaptureDatabaseAsync(h.Cluster, "postgres", CancellationToken.None);
        var last = await CurrentSegmentAsync(h);
        await h.SwitchAndWaitForArchiveAsync();

        AssertEverySegmentStored(h, first, last);
        Assert.Empty(Directory.EnumerateFiles(SpoolFolder(h), "*.error"));
        // The spool answered most calls: pgark itself ran only to start a pusher (first call, after the kill) or when
        // PostgreSQL asked before the pusher got to a file and the pusher was not running.
        var pgarkCalls = (await File.ReadAllLinesAsync(calls)).Length;
        Assert.True(pgarkCalls >= 1 && pgarkCalls < SegmentCount(first, last), $"{pgarkCalls} pgark calls for {SegmentCount(first, last)} segments");
        // verify reads every archived WAL object back and checks its SHA-256.
        AssertOk(await h.RunAsync("verify", "--server", Server));

        await h.AssertRestoreToLatestEqualsAsync(expected);
        await StopPusherAsync(h);
    }

    [Fact]
    public async Task FastPath_StatusNotWrittenForThisFile_NeverTakenAsArchived()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await EnableAsyncAsync(h, timeoutSeconds: 60);
        await h.Cluster.SetArchiveCommandAsync("false");
        await h.Cluster.ExecuteAsync("CREATE TABLE t (i int, h text)");
        for (var round = 0; round < 5; round++)
        {
            await h.Cluster.ExecuteAsync($"INSERT INTO t SELECT i, md5(i::text) FROM generate_series(1, 20000) i");
            await h.Cluster.ScalarAsync<string>("SELECT pg_walfile_name(pg_switch_wal())");
        }
        var ready = WalAsyncPusher.ReadyFiles(Path.Combine(WalFolder(h), "archive_status"));
        Assert.True(ready.Count >= 5, $"{ready.Count} ready files");
        var (a, b, c, d, e) = (ready[0], ready[1], ready[2], ready[3], ready[4]);
        string Wal(string name) => Path.Combine(WalFolder(h), name);
        string Status(string name, string kind) => Path.Combine(SpoolFolder(h), $"{name}.{kind}");
        Directory.CreateDirectory(SpoolFolder(h));
        await Posix.ChownToPostgresAsync(Path.GetDirectoryName(SpoolFolder(h))!, recursive: true, CancellationToken.None);
        var anySha = new string('0', 64);
        var stampB = WalFileStamp.Of(Wal(b))!.Split(' ');
        var stampC = WalFileStamp.Of(Wal(c))!.Split(' ');
        var laterC = stampC[1][..^1] + (char)((stampC[1][^1] - '0' + 1) % 10 + '0');
        // A status of another segment; one of the wrong size; one of an older file of this name (1 ns off); a torn one.
        await File.WriteAllTextAsync(Status(a, "ok"), $"ok {b} {WalFileStamp.Of(Wal(a))} {anySha}\n");
        await File.WriteAllTextAsync(Status(b, "ok"), $"ok {b} {long.Parse(stampB[0]) + 1} {stampB[1]} {anySha}\n");
        await File.WriteAllTextAsync(Status(c, "ok"), $"ok {c} {stampC[0]} {laterC} {anySha}\n");
        await File.WriteAllTextAsync(Status(d, "ok"), $"ok {d} {stampB[0]}");
        await File.WriteAllTextAsync(Status(e, "error"), $"error {e}\nrepository 'local': injected failure\n");
        await Posix.ChownToPostgresAsync(SpoolFolder(h), recursive: true, CancellationToken.None);

        // "pgark" here is a command that exits 42: the script hands over instead of answering.
        Task<ProcessResult> FastPathAsync(string name, params string[] pgark) =>
            ProcessRunner.RunAsync(FastPath, [SpoolFolder(h), Wal(name), .. pgark],
                new ProcessRunOptions { RunAsPostgres = true, Timeout = TimeSpan.FromMinutes(2) }, CancellationToken.None);
        string[] handOver = ["/bin/sh", "-c", "exit 42", "sh"];
        foreach (var name in new[] { a, b, c, d })
        {
            var run = await FastPathAsync(name, handOver);
            Assert.True(run.ExitCode == 42, $"{name}: {run.Output}");
        }
        var failed = await FastPathAsync(e, handOver);
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains($"pgark: WAL file {e} was not archived by the asynchronous pusher: repository 'local': injected failure", failed.StandardError,
            StringComparison.Ordinal);
        Assert.False(File.Exists(Status(e, "error")), "the error status was not handed back to the pusher");

        // Through pgark: the forged statuses are discarded, the pusher stores each file, and only then the script says ok.
        string[] pgarkPush = [PgArkHarness.Executable, "--config", h.ConfigPath, "archive-push", "--server", Server];
        foreach (var name in new[] { a, b, c, d, e })
        {
            AssertOk(await FastPathAsync(name, pgarkPush), name);
            AssertStoredWithChecksum(h, Wal(name));
            // Now the status is the pusher's own, for this file: answered without handing over.
            AssertOk(await FastPathAsync(name, handOver), name);
        }
        await StopPusherAsync(h);
    }

    [Fact]
    public async Task Serve_RunsThePusher_FastPathAnswersEveryCallFromTheSpool()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await EnableAsyncAsync(h, timeoutSeconds: 60);
        // The spool belongs to the cluster's OS user (serve runs as root here).
        Directory.CreateDirectory(SpoolFolder(h));
        await Posix.ChownToPostgresAsync(Path.GetDirectoryName(SpoolFolder(h))!, recursive: true, CancellationToken.None);
        var spool = new WalArchiveSpool(Path.Combine(h.Cluster.DataDirectory, "pgark_archive_spool"), Server);
        var app = ApiHost.Build(new ApiHostOptions(new OperationContext(ConfigLoader.Load(h.ConfigPath)), "http://127.0.0.1:0", NoAuth: true));
        await app.StartAsync();
        string first, last, calls;
        try
        {
            await WaitUntilAsync(() => spool.IsPusherRunning() && spool.PusherProcessId() == Environment.ProcessId, TimeSpan.FromSeconds(60),
                "serve started no pusher");
            calls = await UseFastPathAsync(h);
            await h.Cluster.ExecuteAsync("CREATE TABLE t (i int, h text)");
            first = await CurrentSegmentAsync(h);
            for (var round = 0; round < 5; round++)
            {
                await h.Cluster.ExecuteAsync($"INSERT INTO t SELECT i, md5(i::text) FROM generate_series(1, 50000) i");
                await h.Cluster.ScalarAsync<string>("SELECT pg_walfile_name(pg_switch_wal())");
            }
            last = await CurrentSegmentAsync(h);
            await h.SwitchAndWaitForArchiveAsync();
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        Assert.False(spool.IsPusherRunning());
        AssertEverySegmentStored(h, first, last);
        // serve's pusher stored every file ahead: no archive_command call needed pgark.
        Assert.Empty(await File.ReadAllLinesAsync(calls));
        AssertOk(await h.RunAsync("verify", "--server", Server));
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

    private static void AssertOk(ProcessResult run, string what) => Assert.True(run.ExitCode == 0, $"{what}: {run.Output}");
}
