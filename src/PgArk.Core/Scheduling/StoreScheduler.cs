using Microsoft.Extensions.Logging;
using PgArk.Core.Catalog;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Runs;
using PgArk.Core.Stores;

namespace PgArk.Core.Scheduling;

/// <summary>
/// Runs one store's <c>stores[].schedule</c>: a <c>backup_store</c> at each cron occurrence (UTC), one at a time, with the
/// same catch-up rule as the servers' schedules (<see cref="SchedulePlanner"/>: an occurrence missed while the service
/// was down runs once). The state is kept in <c>stores/&lt;store&gt;/schedule-state.json</c>; a run that finds the store's
/// backup lock held (a backup started from the CLI) is skipped.
/// </summary>
internal sealed class StoreScheduler(OperationContext context, StoreOptions store, TimeProvider clock, ILogger logger)
{
    public const string EntryKey = "backup_store";

    private static readonly TimeSpan s_maxSleep = TimeSpan.FromMinutes(1);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var schedule = new ScheduleOptions(TimeZoneInfo.Utc, [new ScheduleEntry(EntryKey, ScheduledTask.Full, store.Schedule!)]);
        var repository = context.StoreCatalogFor(store).Repository;
        var statePath = $"{StoreCatalog.StoreFolder(store.Name)}/schedule-state.json";
        ScheduleState? saved = null;
        try
        {
            saved = await repository.ReadJsonAsync<ScheduleState>(statePath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PgArkException or IOException)
        {
            logger.LogWarning("store '{Store}': unable to read the schedule state ({Message}); starting afresh", store.Name, ex.Message);
        }
        var state = SchedulePlanner.Start(schedule, saved, clock.GetUtcNow());
        await SaveAsync(repository, statePath, state, cancellationToken).ConfigureAwait(false);
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            if (SchedulePlanner.Due(schedule, state, now).Count == 0)
            {
                var wake = SchedulePlanner.NextWake(schedule, state, now);
                var sleep = wake is { } w ? w - now : s_maxSleep;
                await Task.Delay(sleep < TimeSpan.Zero ? TimeSpan.Zero : sleep > s_maxSleep ? s_maxSleep : sleep, clock, cancellationToken)
                    .ConfigureAwait(false);
                continue;
            }
            state.Entries[EntryKey] = await RunBackupAsync(cancellationToken).ConfigureAwait(false);
            await SaveAsync(repository, statePath, state, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ScheduleEntryState> RunBackupAsync(CancellationToken cancellationToken)
    {
        var startedAt = clock.GetUtcNow();
        logger.LogInformation("store '{Store}': starting scheduled backup ({Cron})", store.Name, store.Schedule!.Text);
        string status;
        string? error = null;
        string? backupId = null;
        try
        {
            using var scheduled = OperationRunRecorder.BeginScheduled($"store:{store.Name}");
            var operation = new BackupStoreOperation();
            var input = new BackupStoreInput(store.Name);
            var result = await operation.RunAsync(context, input, null, cancellationToken).ConfigureAwait(false);
            backupId = result.Backup.Id;
            status = RunStatus.Success;
        }
        catch (LockHeldException ex)
        {
            status = RunStatus.Skipped;
            error = ex.Message;
            logger.LogWarning("store '{Store}': scheduled backup skipped, a backup is running: {Message}", store.Name, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            status = RunStatus.Failure;
            error = ex is PgArkException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
            logger.LogWarning("store '{Store}': scheduled backup failed: {Error}", store.Name, error);
        }
        return new ScheduleEntryState(startedAt)
        {
            LastStartedAt = startedAt, LastFinishedAt = clock.GetUtcNow(), LastStatus = status,
            LastError = error is null ? null : Common.Redaction.Redact(error), LastBackupId = backupId,
        };
    }

    private async Task SaveAsync(Repository repository, string path, ScheduleState state, CancellationToken cancellationToken)
    {
        try
        {
            await repository.WriteJsonAsync(path, state, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PgArkException or IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("store '{Store}': unable to save the schedule state: {Message}", store.Name, ex.Message);
        }
    }
}
