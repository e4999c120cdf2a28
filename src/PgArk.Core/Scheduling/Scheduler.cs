using Microsoft.Extensions.Logging;
using PgArk.Core.Operations;

namespace PgArk.Core.Scheduling;

/// <summary>Runs the schedules of every configured server and store until cancelled (hosted by <c>pgark serve</c>).</summary>
internal sealed class Scheduler(OperationContext context, TimeProvider? clock = null)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var logger = context.CreateLogger("PgArk.Scheduling");
        var loops = context.Options.Servers
            .Where(s => s.Schedule is { Entries.Count: > 0 })
            .Select(s => RunLoopAsync(new ServerScheduler(context, s, s.Schedule!, clock ?? TimeProvider.System, logger).RunAsync, logger, $"server '{s.Name}'",
                cancellationToken))
            .Concat(context.Options.Stores
                .Where(s => s.Schedule is not null)
                .Select(s => RunLoopAsync(StoreLoop(s, logger).RunAsync, logger, $"store '{s.Name}'", cancellationToken)))
            .Concat(context.Options.BackupSet is { } set ? [RunLoopAsync(SetLoop(set, logger).RunAsync, logger, "backup set", cancellationToken)] : [])
            .ToList();
        if (loops.Count == 0)
        {
            Log.NoSchedules(logger);
            return;
        }
        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    private CronRunner StoreLoop(Stores.StoreOptions store, ILogger logger) => new($"store '{store.Name}'", $"store:{store.Name}", store.Schedule!,
        context.StoreCatalogFor(store).Repository, $"{Stores.StoreCatalog.StoreFolder(store.Name)}/schedule-state.json", async ct =>
        {
            var result = await new BackupStoreOperation().RunAsync(context, new BackupStoreInput(store.Name), null, ct).ConfigureAwait(false);
            return (result.Backup.Id, null);
        }, clock ?? TimeProvider.System, logger);

    private CronRunner SetLoop(Stores.BackupSetOptions set, ILogger logger) => new("backup set", "backup_set", set.Schedule,
        OperationContext.OpenRepository(context.Options.Repositories[0]), "sets/schedule-state.json", async ct =>
        {
            var operation = new BackupSetOperation();
            var result = await operation.RunAsync(context, new BackupSetInput(set.Type, set.Servers, set.Stores), null, ct).ConfigureAwait(false);
            return (result.Set.Id, operation.Verdict(result).Failure);
        }, clock ?? TimeProvider.System, logger);

    private static async Task RunLoopAsync(Func<CancellationToken, Task> loop, ILogger logger, string owner, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Yield();
            await loop(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // One server's or store's scheduler failing must not stop the others (or the service).
            Log.SchedulerStopped(logger, ex, owner);
        }
    }
}
