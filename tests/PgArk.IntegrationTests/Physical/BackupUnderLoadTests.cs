using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Physical;

public class BackupUnderLoadTests
{
    [Fact]
    public async Task Backup_WhilePgbenchRuns_RestoresToAClusterThatPassesAmcheckAndEqualsTheSourceAtTheTarget()
    {
        await using var h = await PgArkHarness.CreateAsync(compression: "lz4");
        await PgBench.InitAsync(h.Cluster, "postgres", 5, CancellationToken.None);

        var load = PgBench.RunAsync(h.Cluster, "postgres", PgBenchLoad.For(TimeSpan.FromSeconds(8), clients: 2), CancellationToken.None);
        await Task.Delay(1000);
        var backup = await h.RunAsync("backup", "--server", PgArkHarness.Server, "--jobs", "2");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var bench = await load;
        Assert.True(bench.TransactionsProcessed > 0);

        var target = await h.Cluster.ScalarAsync<string>("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')");
        var expected = await TableSnapshot.CaptureDatabaseAsync(h.Cluster, "postgres", CancellationToken.None);
        await Task.Delay(50);
        // Changes after the target: the restored cluster must not have them.
        await h.Cluster.ExecuteAsync("UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid <= 1000");
        await h.SwitchAndWaitForArchiveAsync();

        var (run, restored) = await h.RestoreAndStartAsync("restored", "--target-time", target!, "--target-action", "promote");
        Assert.True(run.ExitCode == 0, run.ToString());
        await using (restored!)
        {
            await restored!.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(2));
            var amcheck = await PgAmcheck.RunAsync(restored, CancellationToken.None);
            Assert.True(amcheck.Succeeded, amcheck.Output);
            var actual = await TableSnapshot.CaptureDatabaseAsync(restored, "postgres", CancellationToken.None);
            expected.AssertSameContent(actual);
        }
    }
}
