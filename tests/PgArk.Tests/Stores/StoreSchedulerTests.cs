using PgArk.Core.Catalog;
using PgArk.Core.Operations;
using PgArk.Core.Scheduling;

namespace PgArk.Tests.Stores;

public sealed class StoreSchedulerTests
{
    [Fact]
    public async Task StoreSchedule_RunsBackupStore_RecordedAsScheduled()
    {
        using var server = new TestDoubles.TemporaryFolder();
        await using var qdrant = new QdrantStandIn(server.Path, apiKey: null);
        qdrant.AddCollection("docs", 2);
        using var setup = new StoreTestSetup($"""
              - name: vectors
                type: qdrant
                url: {qdrant.BaseAddress}
                schedule: "* * * * * *"
            """);
        var store = setup.Context.Options.GetStore("vectors");
        var catalog = setup.Context.StoreCatalogFor(store);

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var loop = new Scheduler(setup.Context).RunAsync(stop.Token);
        while ((await catalog.ListAsync("vectors", CancellationToken.None)).Count == 0)
        {
            Assert.False(stop.IsCancellationRequested, "no scheduled store backup within 60 s");
            await Task.Delay(200, CancellationToken.None);
        }
        await stop.CancelAsync();
        await loop;

        var history = new HistoryStore(catalog.Repository);
        var records = new List<OperationRunRecord>();
        foreach (var path in await history.ListStoreRunsAsync("vectors", CancellationToken.None))
        {
            records.Add((await history.ReadRunAsync(path, CancellationToken.None))!);
        }
        var first = records.First(r => r.Status == RunStatus.Success);
        Assert.Equal(("backup_store", "schedule", "store:vectors", "qdrant"), (first.Operation, first.Origin, first.ScheduleKey, first.Type));
        Assert.NotNull(await catalog.Repository.ReadJsonAsync<ScheduleState>("stores/vectors/schedule-state.json", CancellationToken.None));
    }
}
