using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Server.Api;

namespace PgArk.Tests.Stores;

/// <summary>Store backups in the listings every front end has (info, list_backups) and in <c>/metrics</c>.</summary>
public sealed class StoreListingTests
{
    [Fact]
    public async Task InfoListBackupsAndMetrics_ShowStoreBackups()
    {
        await using var bed = new VectorStoreTestBed(points: 3);
        var setup = bed.Setup;
        var backup = ((BackupStoreResult)(await setup.RunAsync("backup_store", new { store = "vectors", label = "before-upgrade" })).Value!).Backup;

        var all = (ListBackupsResult)(await setup.RunAsync("list_backups", new { })).Value!;
        var listed = Assert.Single(all.StoreBackups!);
        Assert.Equal((backup.Id, "vectors", "qdrant", "before-upgrade"), (listed.Id, listed.Store, listed.Kind, listed.Label));
        var one = (ListBackupsResult)(await setup.RunAsync("list_backups", new { store = "vectors" })).Value!;
        Assert.Equal((0, backup.Id), (one.Servers.Count, Assert.Single(one.StoreBackups!).Id));
        Assert.Null(((ListBackupsResult)(await setup.RunAsync("list_backups", new { type = "full" })).Value!).StoreBackups);
        await Assert.ThrowsAsync<UsageException>(() => setup.RunAsync("list_backups", new { store = "vectors", server = "pg1" }));
        await Assert.ThrowsAsync<NotFoundException>(() => setup.RunAsync("list_backups", new { store = "nope" }));

        var info = (InfoResult)(await setup.RunAsync("info", new { })).Value!;
        Assert.Equal(backup.Id, Assert.Single(Assert.Single(info.Stores!).Backups).Id);
        var (exit, stdout, stderr) = await setup.CliAsync("info");
        Assert.True(exit == 0, stderr);
        Assert.Contains("qdrant store vectors", stdout, StringComparison.Ordinal);
        Assert.Contains($"backup {backup.Id}", stdout, StringComparison.Ordinal);

        var metrics = await new MetricsCollector(setup.Context, TimeProvider.System).CollectAsync(CancellationToken.None);
        Assert.Contains("pgark_store_backups{store=\"vectors\",kind=\"qdrant\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains($"pgark_store_backup_last_size_bytes{{store=\"vectors\",kind=\"qdrant\"}} {backup.Size}\n", metrics, StringComparison.Ordinal);
        Assert.Matches("pgark_store_backup_last_success_timestamp_seconds\\{store=\"vectors\",kind=\"qdrant\"\\} [0-9.]+\n", metrics);
        Assert.Contains("pgark_store_operation_runs_total{store=\"vectors\",operation=\"backup_store\",status=\"success\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("pgark_store_operation_last_status{store=\"vectors\",operation=\"backup_store\"} 1\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_BackUpTheVectorStore_RunsBackupStoreHere_AndRestoreFromLastNightPicksThatBackup()
    {
        await using var bed = new VectorStoreTestBed(points: 3);
        var (qdrant, setup) = (bed.Qdrant, bed.Setup);

        var (exit, stdout, stderr) = await setup.CliAsync("ask", "back up the vector store");
        Assert.True(exit == 0, stdout + stderr);
        var backup = Assert.Single(((ListStoreBackupsResult)(await setup.RunAsync("list_store_backups", new { })).Value!).Stores[0].Backups);

        // A destructive store step is planned, shown, and refused without --yes when stdin is no terminal; nothing changes.
        qdrant.Collections.Remove("docs");
        (exit, stdout, stderr) = await setup.CliAsync("ask", "restore the vector store");
        Assert.Equal(4, exit);
        Assert.Contains("'restore_store' is destructive and there is no terminal to confirm on", stderr, StringComparison.Ordinal);
        Assert.False(qdrant.Collections.ContainsKey("docs"));
        (exit, stdout, stderr) = await setup.CliAsync("ask", "--yes", "restore the vectors store");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("restore_store", stdout + stderr, StringComparison.Ordinal);
        Assert.Equal(3, qdrant.Collections["docs"].Points.Count);
        Assert.Contains(backup.Id, stdout, StringComparison.Ordinal);
    }
}
