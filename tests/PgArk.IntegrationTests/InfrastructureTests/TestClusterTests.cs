using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.InfrastructureTests;

public sealed class TestClusterTests
{
    private static readonly TimeSpan s_testTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task CreateAsync_WithChecksums_RunsSqlOverTheSocketOnly()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        var ct = timeout.Token;
        await using var cluster = await TestCluster.CreateAsync(new TestClusterOptions { DataChecksums = true }, ct);

        await cluster.ExecuteAsync(
            "CREATE TABLE items(id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 10) g",
            cancellationToken: ct);

        Assert.True(cluster.IsRunning);
        Assert.Equal(10L, await cluster.ScalarAsync<long>("SELECT count(*) FROM items", cancellationToken: ct));
        Assert.Equal("on", await cluster.ScalarAsync<string>("SHOW data_checksums", cancellationToken: ct));
        Assert.Equal("replica", await cluster.ScalarAsync<string>("SHOW wal_level", cancellationToken: ct));
        Assert.Equal("", await cluster.ScalarAsync<string>("SHOW listen_addresses", cancellationToken: ct));
        Assert.Equal(cluster.SocketDirectory, await cluster.ScalarAsync<string>("SHOW unix_socket_directories", cancellationToken: ct));
        Assert.Equal(cluster.Port, await cluster.ScalarAsync<int>("SELECT current_setting('port')::int", cancellationToken: ct));
        Assert.Equal(
            cluster.Binaries.MajorVersion,
            await cluster.ScalarAsync<int>("SELECT current_setting('server_version_num')::int / 10000", cancellationToken: ct));
        Assert.True(File.Exists(Path.Combine(cluster.SocketDirectory, $".s.PGSQL.{cluster.Port}")));
        Assert.Contains("database system is ready to accept connections", cluster.ReadLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TableSnapshot_SameRowsInsertedInAnotherOrder_EqualAndChangedRowReported()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        var ct = timeout.Token;
        await using var cluster = await TestCluster.CreateAsync(new TestClusterOptions { Fsync = false }, ct);
        await cluster.CreateDatabaseAsync("copy", ct);
        const string Schema = "CREATE TABLE \"Mixed Case\"(id int, label text); CREATE SCHEMA s; CREATE TABLE s.other(x numeric);";
        await cluster.ExecuteAsync(
            Schema + "INSERT INTO \"Mixed Case\" VALUES (1, 'a'), (2, 'b'), (3, NULL); INSERT INTO s.other VALUES (1.5);" +
            "CREATE UNLOGGED TABLE scratch(x int); INSERT INTO scratch VALUES (42);",
            cancellationToken: ct);
        await cluster.ExecuteAsync(
            Schema + "INSERT INTO \"Mixed Case\" VALUES (3, NULL), (2, 'b'), (1, 'a'); INSERT INTO s.other VALUES (1.5);",
            "copy",
            ct);

        var source = await TableSnapshot.CaptureDatabaseAsync(cluster, "postgres", ct);
        var copy = await TableSnapshot.CaptureDatabaseAsync(cluster, "copy", ct);
        var sameTable = await TableSnapshot.CaptureTableAsync(cluster, "public.Mixed Case", "copy", ct);

        Assert.Equal(["public.Mixed Case", "s.other"], source.Tables.Keys);
        Assert.Equal(["(1,a)", "(2,b)", "(3,)"], source.Tables["public.Mixed Case"]);
        Assert.True(source.CompareTo(copy).AreEqual, source.CompareTo(copy).Report);
        source.AssertSameContent(copy);
        Assert.Equal(source.Tables["public.Mixed Case"], sameTable.Tables["public.Mixed Case"]);

        await cluster.ExecuteAsync("UPDATE \"Mixed Case\" SET label = 'changed' WHERE id = 2; DROP TABLE s.other", "copy", ct);
        var changed = await TableSnapshot.CaptureDatabaseAsync(cluster, "copy", ct);
        var comparison = source.CompareTo(changed);

        Assert.False(comparison.AreEqual);
        Assert.Equal(
            "snapshots differ in 2 of 2 tables\n" +
            "table public.Mixed Case: expected 3 rows, actual 3; 1 missing, 1 unexpected\n" +
            "  - (2,b)\n" +
            "  + (2,changed)\n" +
            "table s.other: missing from actual (expected 1 rows)\n",
            comparison.Report);
        Assert.ThrowsAny<Exception>(() => source.AssertSameContent(changed));
    }

    [Fact]
    public async Task PgBench_InitScale1And100Transactions_AmcheckFindsNoCorruption()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        var ct = timeout.Token;
        await using var cluster = await TestCluster.CreateAsync(new TestClusterOptions { DataChecksums = true }, ct);

        await PgBench.InitAsync(cluster, "postgres", scale: 1, ct);
        var run = await PgBench.RunAsync(cluster, "postgres", PgBenchLoad.Transactions(perClient: 50, clients: 2), ct);
        var amcheck = await PgAmcheck.RunAsync(cluster, ct);

        Assert.Equal(100, run.TransactionsProcessed);
        Assert.True(run.TransactionsPerSecond > 0, run.Process.Output);
        Assert.Equal(100_000L, await cluster.ScalarAsync<long>("SELECT count(*) FROM pgbench_accounts", cancellationToken: ct));
        Assert.Equal(100L, await cluster.ScalarAsync<long>("SELECT count(*) FROM pgbench_history", cancellationToken: ct));
        Assert.True(amcheck.Succeeded, amcheck.Output);
        Assert.Equal(0, amcheck.ExitCode);
    }

    [Fact]
    public async Task StopAsync_RunningCluster_NoProcessLeftForTheDataDirectory()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        var ct = timeout.Token;
        await using var cluster = await TestCluster.CreateAsync(new TestClusterOptions { Fsync = false }, ct);
        var pid = Assert.IsType<int>(cluster.ProcessId);
        var children = Posix.GetDescendants(pid);
        Assert.Contains(pid, Posix.FindByCommandLine(cluster.DataDirectory));
        Assert.NotEmpty(children);

        await cluster.StopAsync(ct);

        Assert.False(cluster.IsRunning);
        Assert.Null(cluster.ProcessId);
        Assert.Empty(Posix.FindByCommandLine(cluster.DataDirectory));
        Assert.DoesNotContain(children.Prepend(pid), Posix.IsAlive);
        Assert.False(File.Exists(Path.Combine(cluster.DataDirectory, "postmaster.pid")));

        await cluster.StartAsync(ct);
        Assert.NotEqual(pid, cluster.ProcessId);
        Assert.Equal(1, await cluster.ScalarAsync<int>("SELECT 1", cancellationToken: ct));
    }

    [Fact]
    public async Task KillAsync_ThenStartAsync_CrashRecoveryKeepsCommittedRows()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        var ct = timeout.Token;
        await using var cluster = await TestCluster.CreateAsync(ct);
        await cluster.ExecuteAsync("CREATE TABLE t(id int); INSERT INTO t SELECT generate_series(1, 1000)", cancellationToken: ct);
        var pid = Assert.IsType<int>(cluster.ProcessId);

        await cluster.KillAsync(ct);
        Assert.Empty(Posix.FindByCommandLine(cluster.DataDirectory));
        Assert.False(Posix.IsAlive(pid));
        await cluster.StartAsync(ct);

        Assert.Equal(1000L, await cluster.ScalarAsync<long>("SELECT count(*) FROM t", cancellationToken: ct));
        Assert.Contains("automatic recovery in progress", cluster.ReadLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisposeAsync_RunningClusterWithoutChecksums_StopsServerAndRemovesFolder()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        var ct = timeout.Token;
#pragma warning disable CA2000 // the test disposes the cluster explicitly (twice) below: DisposeAsync is what it checks
        var cluster = await TestCluster.CreateAsync(
#pragma warning restore CA2000
            new TestClusterOptions
            {
                DataChecksums = false,
                Fsync = false,
                Settings = new Dictionary<string, string> { ["application_name"] = "it's \\ quoted" },
            },
            ct);
        Assert.Equal("off", await cluster.ScalarAsync<string>("SHOW data_checksums", cancellationToken: ct));
        Assert.Equal("off", await cluster.ScalarAsync<string>("SHOW fsync", cancellationToken: ct));
        Assert.Equal("it's \\ quoted", await cluster.ScalarAsync<string>("SHOW application_name", cancellationToken: ct));
        var pid = Assert.IsType<int>(cluster.ProcessId);
        var work = cluster.WorkDirectory;

        await cluster.DisposeAsync();
        await cluster.DisposeAsync();

        Assert.False(Directory.Exists(work));
        Assert.False(Posix.IsAlive(pid));
        Assert.Empty(Posix.FindByCommandLine(work));
    }

    [Fact]
    public async Task AttachAsync_RootWrittenCopyOfDataDirectory_RunsOnItsOwnPortWithSameContent()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        var ct = timeout.Token;
        await using var source = await TestCluster.CreateAsync(new TestClusterOptions { Fsync = false }, ct);
        await source.ExecuteAsync("CREATE TABLE t(id int, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 500) g",
            cancellationToken: ct);
        var expected = await TableSnapshot.CaptureDatabaseAsync(source, cancellationToken: ct);
        await source.StopAsync(ct);
        using var parent = await TempFolder.CreateAsync(ownedByPostgres: true, ct);
        var copy = parent.Combine("restored");
        // Copied by this process (root in CI), like a restore: files owned by root, default modes.
        CopyDirectory(source.DataDirectory, copy);
        await source.StartAsync(ct);

        await using (var attached = await TestCluster.AttachAsync(
            copy,
            new TestClusterAttachOptions { Settings = new Dictionary<string, string> { ["archive_mode"] = "off" } },
            ct))
        {
            var actual = await TableSnapshot.CaptureDatabaseAsync(attached, cancellationToken: ct);

            Assert.NotEqual(source.Port, attached.Port);
            Assert.NotEqual(source.SocketDirectory, attached.SocketDirectory);
            Assert.Equal(attached.Port, await attached.ScalarAsync<int>("SELECT current_setting('port')::int", cancellationToken: ct));
            Assert.Equal(copy, await attached.ScalarAsync<string>("SHOW data_directory", cancellationToken: ct));
            Assert.Equal("", await attached.ScalarAsync<string>("SHOW listen_addresses", cancellationToken: ct));
            Assert.Equal(
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                File.GetUnixFileMode(copy));
            expected.AssertSameContent(actual);
        }

        Assert.True(Directory.Exists(copy));
        Assert.Empty(Posix.FindByCommandLine(copy));
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.EnumerateDirectories(from))
        {
            CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }
}
