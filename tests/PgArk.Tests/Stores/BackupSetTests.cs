using PgArk.Core.Errors;
using PgArk.Core.Operations;

namespace PgArk.Tests.Stores;

public sealed class BackupSetTests
{
    [Fact]
    public async Task BackupSet_QdrantAndNeo4jStores_OneSetId_AndAFailingMemberFailsTheSet()
    {
        await using var bed = new VectorStoreTestBed(withGraph: true);
        var (qdrant, setup, home) = (bed.Qdrant, bed.Setup, bed.GraphHome!);

        var run = await setup.RunAsync("backup_set", new { servers = Array.Empty<string>(), label = "nightly" });

        Assert.False(run.Verdict.Failed, run.Verdict.Failure);
        var set = ((BackupSetResult)run.Value!).Set;
        Assert.Equal(["vectors", "graph"], set.Members.Select(m => m.Name));
        Assert.All(set.Members, m => Assert.Equal("store", m.Kind));
        var listed = (ListBackupSetsResult)(await setup.RunAsync("list_backup_sets", new { member = "graph" })).Value!;
        Assert.Equal(set.Id, listed.Sets.Single().Id);
        var stores = (ListStoreBackupsResult)(await setup.RunAsync("list_store_backups", new { })).Value!;
        Assert.All(stores.Stores, s => Assert.Equal($"set:{set.Id}", s.Backups.Single().Label));

        // The whole set back in one request: both stores lose data, restore_set brings both back.
        qdrant.Collections.Remove("docs");
        Neo4jHttpStandIn.WriteGraph(home, "neo4j", [], []);
        var restore = await setup.RunAsync("restore_set", new { confirm = true });
        Assert.False(restore.Verdict.Failed, restore.Verdict.Failure);
        var restored = (RestoreSetResult)restore.Value!;
        Assert.Equal((set.Id, "restored,restored"), (restored.Set, string.Join(",", restored.Members.Select(m => m.Status))));
        Assert.Equal(2, qdrant.Collections["docs"].Points.Count);
        Assert.Contains("\"Person\"", File.ReadAllText(Path.Combine(home, "data", "databases", "neo4j", "graph.json")), StringComparison.Ordinal);

        // A member that fails (Neo4j's database is gone) does not stop the others; the set fails and says why.
        Directory.Delete(Path.Combine(home, "data", "databases", "neo4j"), recursive: true);
        var failed = await setup.RunAsync("backup_set", new { servers = Array.Empty<string>() });
        Assert.Equal(ErrorKind.Failed, failed.Verdict.Kind);
        var members = ((BackupSetResult)failed.Value!).Set.Members;
        Assert.NotNull(members[0].BackupId);
        Assert.Null(members[1].BackupId);
        Assert.Contains("store 'graph': neo4j-admin dump of database 'neo4j' (Neo4j store 'graph') failed with exit code 1: Database does not exist: neo4j",
            failed.Verdict.Failure, StringComparison.Ordinal);
    }

    /// <summary>
    /// Set ids have one-second resolution: a set started in a second that already has one gets the next sequence number
    /// (X2, X3, …) instead of overwriting it, the older form stays readable, and listing orders X10 after X9.
    /// </summary>
    [Fact]
    public async Task NewSetId_SetsStartedInTheSameSecond_GetDistinctIds_NoneOverwritten_ListedInOrder()
    {
        using var setup = new StoreTestSetup("  []");
        var repository = OperationContext.OpenRepository(setup.Context.Options.Repositories[0]);
        var second = new DateTimeOffset(2026, 12, 4, 2, 0, 0, 500, TimeSpan.Zero);
        var ids = new List<string>();
        for (var i = 0; i < 11; i++)
        {
            var id = await BackupSets.NewIdAsync(repository, second.AddMilliseconds(i * 10), CancellationToken.None);
            ids.Add(id);
            await repository.WriteJsonAsync(BackupSets.Path(id), new PgArk.Core.Stores.BackupSetRecord
            {
                Id = id, StartTime = second, Label = $"run {i}", Members = [new("server", "pg1", "20261204-020000F", null)],
            }, CancellationToken.None);
        }
        // A set of the next second starts a new sequence, and one of the second before sorts first.
        ids.Add(await BackupSets.NewIdAsync(repository, second.AddSeconds(1), CancellationToken.None));
        ids.Insert(0, await BackupSets.NewIdAsync(repository, second.AddSeconds(-1), CancellationToken.None));
        foreach (var id in new[] { ids[0], ids[^1] })
        {
            await repository.WriteJsonAsync(BackupSets.Path(id), new PgArk.Core.Stores.BackupSetRecord
            {
                Id = id, StartTime = second, Members = [new("server", "pg1", "20261204-020000F", null)],
            }, CancellationToken.None);
        }

        Assert.Equal(["20261204-015959X", "20261204-020000X", "20261204-020000X2", "20261204-020000X3", "20261204-020000X4", "20261204-020000X5",
            "20261204-020000X6", "20261204-020000X7", "20261204-020000X8", "20261204-020000X9", "20261204-020000X10", "20261204-020000X11",
            "20261204-020001X"], ids);
        var listed = (ListBackupSetsResult)(await setup.RunAsync("list_backup_sets", new { })).Value!;
        Assert.Equal(ids, listed.Sets.Select(s => s.Id));
        Assert.Equal("run 0", listed.Sets[1].Label);
    }

    /// <summary>Two backup sets run back to back (most often within one second): two ids, two records, the first intact.</summary>
    [Fact]
    public async Task BackupSet_TwoRunsBackToBack_TwoDistinctSets_FirstKept()
    {
        await using var bed = new VectorStoreTestBed();
        var setup = bed.Setup;

        var first = ((BackupSetResult)(await setup.RunAsync("backup_set", new { servers = Array.Empty<string>(), label = "first" })).Value!).Set;
        var second = ((BackupSetResult)(await setup.RunAsync("backup_set", new { servers = Array.Empty<string>(), label = "second" })).Value!).Set;

        Assert.NotEqual(first.Id, second.Id);
        var listed = (ListBackupSetsResult)(await setup.RunAsync("list_backup_sets", new { })).Value!;
        Assert.Equal([(first.Id, "first"), (second.Id, "second")], listed.Sets.Select(s => (s.Id, s.Label!)));
        Assert.Equal(first.Members.Single().BackupId, listed.Sets[0].Members.Single().BackupId);
    }

    [Fact]
    public async Task RestoreSet_ChecksEveryMemberFirst_DryRunListsProblems_ARefusedSetChangesNothing()
    {
        await using var bed = new VectorStoreTestBed(withGraph: true);
        var (qdrant, setup, home) = (bed.Qdrant, bed.Setup, bed.GraphHome!);
        var set = ((BackupSetResult)(await setup.RunAsync("backup_set", new { servers = Array.Empty<string>() })).Value!).Set;
        var graphBackup = set.Members.Single(m => m.Name == "graph").BackupId!;
        Directory.Delete(Path.Combine(setup.RepositoryPath, "stores", "graph", "backups", graphBackup), recursive: true);
        qdrant.Collections.Remove("docs");

        var dryRun = await setup.RunAsync("restore_set", new { set = set.Id, dry_run = true, confirm = true });
        Assert.Equal(ErrorKind.Refused, dryRun.Verdict.Kind);
        var planned = ((RestoreSetResult)dryRun.Value!).Members;
        Assert.Equal("vectors:ready,graph:refused", string.Join(",", planned.Select(m => $"{m.Name}:{m.Status}")));
        Assert.Contains($"backup '{graphBackup}' of store 'graph' not found", planned[1].Error, StringComparison.Ordinal);

        // The real run refuses with the missing member's own error before restoring the member that could be restored.
        var refused = await Assert.ThrowsAsync<NotFoundException>(() => setup.RunAsync("restore_set", new { set = set.Id, confirm = true }));
        Assert.Contains("store 'graph'", refused.Message, StringComparison.Ordinal);
        Assert.False(qdrant.Collections.ContainsKey("docs"));

        var stray = await Assert.ThrowsAsync<UsageException>(() => setup.RunAsync("restore_set",
            new { set = set.Id, pgdata = new Dictionary<string, string> { ["pg9"] = "/tmp/x" }, confirm = true }));
        Assert.Contains("'pg9', which is not a server of backup set", stray.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RestoreSet_ThroughTheApi_KeepsRestoreConfinement_ForServerMembers()
    {
        using var setup = new StoreTestSetup("  []");
        // A set with a server member (pg1 cannot be backed up here, so the record is written as backup_set would write it).
        await PgArk.Core.Operations.OperationContext.OpenRepository(setup.Context.Options.Repositories[0]).WriteJsonAsync("sets/20260101-020000X.json",
            new PgArk.Core.Stores.BackupSetRecord
            {
                Id = "20260101-020000X", StartTime = DateTimeOffset.UnixEpoch, Members = [new("server", "pg1", "20260101-020000F", null)],
            }, CancellationToken.None);
        var api = setup.Context.For(OperationCaller.Remote);

        var denied = await Assert.ThrowsAsync<PermissionDeniedException>(() => PgArk.Core.Operations.Registry.OperationRegistry.Default.RunAsync(api,
            "restore_set", System.Text.Json.JsonSerializer.SerializeToElement(new { pgdata = new Dictionary<string, string> { ["pg1"] = "/etc/elsewhere" },
                confirm = true }), null, CancellationToken.None));
        Assert.Contains("refusing to restore into '/etc/elsewhere' for an API caller", denied.Message, StringComparison.Ordinal);
        var plan = await PgArk.Core.Operations.Registry.OperationRegistry.Default.RunAsync(api, "restore_set",
            System.Text.Json.JsonSerializer.SerializeToElement(new { dry_run = true, pgdata = new Dictionary<string, string> { ["pg1"] = "/etc/elsewhere" },
                confirm = true }), null, CancellationToken.None);
        Assert.Equal("refused", ((RestoreSetResult)plan.Value!).Members.Single().Status);
    }

    [Fact]
    public async Task BackupSetSchedule_RunsBackupSet_InServe()
    {
        await using var bed = new VectorStoreTestBed(afterStores: """
            backupSet:
              schedule: "* * * * * *"
              servers: []
            """);
        var setup = bed.Setup;

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var loop = new PgArk.Core.Scheduling.Scheduler(setup.Context).RunAsync(stop.Token);
        ListBackupSetsResult sets;
        while ((sets = (ListBackupSetsResult)(await setup.RunAsync("list_backup_sets", new { })).Value!).Sets.Count == 0)
        {
            Assert.False(stop.IsCancellationRequested, "no scheduled backup set within 60 s");
            await Task.Delay(200, CancellationToken.None);
        }
        await stop.CancelAsync();
        await loop;

        var member = sets.Sets[0].Members.Single();
        Assert.Equal(("store", "vectors"), (member.Kind, member.Name));
        Assert.NotNull(member.BackupId);
    }
}
