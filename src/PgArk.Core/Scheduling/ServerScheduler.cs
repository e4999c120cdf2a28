using Microsoft.Extensions.Logging;
using PgArk.Core.Catalog;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Runs;

namespace PgArk.Core.Scheduling;

/// <summary>
/// Runs one server's schedule: sleeps until the next occurrence, then runs the due entries one after another (never two
/// runs of one server at once). Across processes a run holds the server's "schedule" <see cref="ServerLock"/>; a run that
/// finds it held, or the operation's own lock held (a backup started from the CLI), is skipped and logged, and the entry
/// waits for its next occurrence. Occurrences that pass while a run is going are queued once (see <see cref="SchedulePlanner"/>).
/// </summary>
internal sealed class ServerScheduler(OperationContext context, ServerOptions server, ScheduleOptions schedule, TimeProvider clock, ILogger logger)
{
    // Re-evaluates at least this often, so a wall-clock jump or a long sleep never delays a run by more.
    private static readonly TimeSpan s_maxSleep = TimeSpan.FromMinutes(1);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var store = new ScheduleStateStore(context.PrimaryRepositoryFor(server), server.Name);
        ScheduleState? saved = null;
        try
        {
            saved = await store.LoadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PgArkException or IOException)
        {
            Log.ServerStateUnreadable(logger, server.Name, ex.Message);
        }
        var state = SchedulePlanner.Start(schedule, saved, clock.GetUtcNow());
        await SaveAsync(store, state, cancellationToken).ConfigureAwait(false);
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            var due = SchedulePlanner.Due(schedule, state, now);
            if (due.Count == 0)
            {
                var wake = SchedulePlanner.NextWake(schedule, state, now);
                var sleep = wake is { } w ? w - now : s_maxSleep;
                await Task.Delay(sleep < TimeSpan.Zero ? TimeSpan.Zero : sleep > s_maxSleep ? s_maxSleep : sleep, clock, cancellationToken)
                    .ConfigureAwait(false);
                continue;
            }
            var covered = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in due)
            {
                if (covered.Contains(entry.Key))
                {
                    continue;
                }
                var entryState = await RunEntryAsync(entry, cancellationToken).ConfigureAwait(false);
                state.Entries[entry.Key] = entryState;
                if (entryState.LastStatus == RunStatus.Success)
                {
                    foreach (var lower in SchedulePlanner.CoveredBy(entry, due))
                    {
                        covered.Add(lower.Key);
                        state.Entries[lower.Key] = state.Entries[lower.Key] with { CoveredUntil = entryState.CoveredUntil };
                        Log.ServerEntryCovered(logger, server.Name, lower.Key, entry.Key);
                    }
                }
                await SaveAsync(store, state, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<ScheduleEntryState> RunEntryAsync(ScheduleEntry entry, CancellationToken cancellationToken)
    {
        var startedAt = clock.GetUtcNow();
        Log.ServerEntryStarting(logger, server.Name, entry.Key, entry.Cron.Text);
        string status;
        string? error = null;
        string? backupId = null;
        try
        {
            var gate = await ServerLock.AcquireAsync(context.Options.LockPath, server.Name, "schedule", cancellationToken).ConfigureAwait(false);
            await using var gateScope = gate.ConfigureAwait(false);
            using var scheduled = OperationRunRecorder.BeginScheduled(entry.Key);
            var facts = await RunAsync(entry, cancellationToken).ConfigureAwait(false);
            backupId = facts.BackupId;
            error = facts.Failure;
            status = error is null ? RunStatus.Success : RunStatus.Failure;
        }
        catch (LockHeldException ex)
        {
            status = RunStatus.Skipped;
            error = ex.Message;
            Log.ServerEntrySkipped(logger, server.Name, entry.Key, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            status = RunStatus.Failure;
            error = ex is PgArkException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
        }
        if (status == RunStatus.Failure)
        {
            Log.ServerEntryFailed(logger, server.Name, entry.Key, error);
        }
        else if (status == RunStatus.Success)
        {
            Log.ServerEntrySucceeded(logger, server.Name, entry.Key);
        }
        return new ScheduleEntryState(startedAt)
        {
            LastStartedAt = startedAt,
            LastFinishedAt = clock.GetUtcNow(),
            LastStatus = status,
            LastError = error is null ? null : Common.Redaction.Redact(error),
            LastBackupId = backupId,
        };
    }

    private async Task<RunFacts> RunAsync(ScheduleEntry entry, CancellationToken cancellationToken)
    {
        switch (entry.Task)
        {
            case ScheduledTask.Full or ScheduledTask.Diff or ScheduledTask.Incr:
                var type = entry.Task switch { ScheduledTask.Full => BackupType.Full, ScheduledTask.Diff => BackupType.Diff, _ => BackupType.Incr };
                return await RunAsync(new BackupOperation(), new BackupInput(server.Name, type), cancellationToken).ConfigureAwait(false);
            case ScheduledTask.Dump:
                return await RunAsync(new DumpOperation(), new DumpInput(server.Name, entry.Database!, entry.DumpMode), cancellationToken)
                    .ConfigureAwait(false);
            case ScheduledTask.VerifyRestore:
                return await RunAsync(new VerifyRestoreOperation(), new VerifyRestoreInput(server.Name), cancellationToken).ConfigureAwait(false);
            default:
                return await RunAsync(new ExpireOperation(), new ExpireInput(server.Name), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs one operation; what the entry's state records comes from the operation's own facts and verdict.</summary>
    private async Task<RunFacts> RunAsync<TInput, TResult>(Operation<TInput, TResult> operation, TInput input, CancellationToken cancellationToken)
    {
        var result = await operation.RunAsync(context, input, null, cancellationToken).ConfigureAwait(false);
        return operation.Facts(input, result).WithVerdict(operation.Verdict(result));
    }

    private async Task SaveAsync(ScheduleStateStore store, ScheduleState state, CancellationToken cancellationToken)
    {
        try
        {
            await store.SaveAsync(state, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PgArkException or IOException or UnauthorizedAccessException)
        {
            // The schedule keeps running from memory; only catch-up after a restart depends on this file.
            Log.ServerStateUnsaved(logger, server.Name, ex.Message);
        }
    }
}
