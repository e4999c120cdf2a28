using Microsoft.Extensions.Logging;
using PgArk.Core.Catalog;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations.Runs;

namespace PgArk.Core.Scheduling;

/// <summary>
/// Runs one job at each occurrence of one cron expression, one run at a time, with the servers' catch-up rule
/// (<see cref="SchedulePlanner"/>: an occurrence missed while the service was down runs once). Used for
/// <c>stores[].schedule</c> and <c>backupSet.schedule</c>; the state is kept at <paramref name="statePath"/> in
/// <paramref name="repository"/>, and runs are recorded with <c>origin: schedule</c> and <paramref name="scheduleKey"/>.
/// </summary>
/// <param name="run">The job; returns the id of what it made and the failure its verdict reports (null: success).</param>
internal sealed class CronRunner(string owner, string scheduleKey, CronExpression cron, Repository repository, string statePath,
    Func<CancellationToken, Task<(string? Id, string? Failure)>> run, TimeProvider clock, ILogger logger)
{
    private static readonly TimeSpan s_maxSleep = TimeSpan.FromMinutes(1);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var schedule = new ScheduleOptions(TimeZoneInfo.Utc, [new ScheduleEntry(scheduleKey, ScheduledTask.Full, cron)]);
        ScheduleState? saved = null;
        try
        {
            saved = await repository.ReadJsonAsync<ScheduleState>(statePath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PgArkException or IOException)
        {
            Log.CronStateUnreadable(logger, owner, ex.Message);
        }
        var state = SchedulePlanner.Start(schedule, saved, clock.GetUtcNow());
        await SaveAsync(state, cancellationToken).ConfigureAwait(false);
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
            state.Entries[scheduleKey] = await RunOnceAsync(cancellationToken).ConfigureAwait(false);
            await SaveAsync(state, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ScheduleEntryState> RunOnceAsync(CancellationToken cancellationToken)
    {
        var startedAt = clock.GetUtcNow();
        Log.CronStarting(logger, owner, scheduleKey, cron.Text);
        string status;
        string? error = null;
        string? id = null;
        try
        {
            using var scheduled = OperationRunRecorder.BeginScheduled(scheduleKey);
            (id, error) = await run(cancellationToken).ConfigureAwait(false);
            status = error is null ? RunStatus.Success : RunStatus.Failure;
        }
        catch (LockHeldException ex)
        {
            status = RunStatus.Skipped;
            error = ex.Message;
            Log.CronSkipped(logger, owner, scheduleKey, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            status = RunStatus.Failure;
            error = ex is PgArkException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
        }
        if (status == RunStatus.Failure)
        {
            Log.CronFailed(logger, owner, scheduleKey, error);
        }
        return new ScheduleEntryState(startedAt)
        {
            LastStartedAt = startedAt, LastFinishedAt = clock.GetUtcNow(), LastStatus = status,
            LastError = error is null ? null : Common.Redaction.Redact(error), LastBackupId = id,
        };
    }

    private async Task SaveAsync(ScheduleState state, CancellationToken cancellationToken)
    {
        try
        {
            await repository.WriteJsonAsync(statePath, state, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PgArkException or IOException or UnauthorizedAccessException)
        {
            Log.CronStateUnsaved(logger, owner, ex.Message);
        }
    }
}
