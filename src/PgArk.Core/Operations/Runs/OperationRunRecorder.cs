using System.Diagnostics;
using Microsoft.Extensions.Logging;
using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Errors;
using PgArk.Core.Notifications;

namespace PgArk.Core.Operations.Runs;

/// <summary>
/// Wraps every operation run (<see cref="Operation{TInput,TResult}.RunAsync"/>): afterwards it writes the run's record to
/// the server's repository history and to the <c>backup_history</c> catalog table (when configured), and queues webhooks.
/// None of that can fail the operation: problems are logged. Operations that do not record runs (<see cref="IOperation.RecordsRuns"/>:
/// viewers, archive push/get) and dry runs (which promise to change nothing) are not recorded. What a record says comes
/// from the operation's own declarations (<see cref="Operation{TInput,TResult}.Facts"/> and its verdict).
/// </summary>
public sealed class OperationRunRecorder
{
    private static readonly AsyncLocal<ScheduledRun?> s_scheduled = new();

    private readonly OperationContext _context;
    private readonly ILogger _logger;
    private readonly Lazy<BackupHistoryTable?> _table;
    private readonly Lazy<WebhookNotifier?> _notifier;
    private readonly Lazy<ChannelNotifier?> _channels;

    // Light on purpose: archive-push runs once per WAL segment and never records, so it must not pay for HTTP or Npgsql set-up.
    internal OperationRunRecorder(OperationContext context)
    {
        _context = context;
        _logger = context.CreateLogger("PgArk.Runs");
        _table = new(() => context.Options.Catalog is { } catalog ? new BackupHistoryTable(catalog, _logger) : null);
        _notifier = new(() => context.Options.Notifications is { Webhooks.Count: > 0 } notifications
            ? new WebhookNotifier(notifications.Webhooks, context.CreateLogger("PgArk.Notifications"))
            : null);
        _channels = new(() => context.Options.Notifications is { Channels.Count: > 0 } notifications
            ? new ChannelNotifier(notifications.Channels, context.CreateLogger("PgArk.Notifications"))
            : null);
    }

    /// <summary>The chat and e-mail channels (null when none is configured); alerts go out through them too.</summary>
    public ChannelNotifier? Channels => _channels.Value;

    /// <summary>Marks the runs started inside the returned scope as started by the scheduler for <paramref name="scheduleKey"/>.</summary>
    public static IDisposable BeginScheduled(string scheduleKey)
    {
        var previous = s_scheduled.Value;
        s_scheduled.Value = new ScheduledRun(scheduleKey);
        return new Scope(() => s_scheduled.Value = previous);
    }

    /// <summary>Waits until queued webhooks are delivered or given up, at most <paramref name="timeout"/> (the CLI calls this before exiting).</summary>
    public Task FlushAsync(TimeSpan timeout) => Task.WhenAll(
        _notifier.IsValueCreated && _notifier.Value is { } notifier ? notifier.FlushAsync(timeout) : Task.CompletedTask,
        _channels.IsValueCreated && _channels.Value is { } channels ? channels.FlushAsync(timeout) : Task.CompletedTask);

    internal async Task<TResult> RecordAsync<TInput, TResult>(Operation<TInput, TResult> operation, TInput input,
        Func<CancellationToken, Task<TResult>> run, CancellationToken cancellationToken)
    {
        if (!operation.RecordsRuns || operation.IsDryRun(input))
        {
            return await run(cancellationToken).ConfigureAwait(false);
        }
        var scheduled = s_scheduled.Value;
        // A nested run (an operation calling another) belongs to the outer run's schedule entry only once.
        s_scheduled.Value = null;
        var startedAt = DateTimeOffset.UtcNow;
        var stopwatch = Stopwatch.StartNew();
        var facts = operation.Facts(input, default);
        try
        {
            var result = await run(cancellationToken).ConfigureAwait(false);
            facts = operation.Facts(input, result).WithVerdict(operation.Verdict(result));
            await FinishAsync(operation, facts, scheduled, startedAt, stopwatch.Elapsed,
                facts.Failure is null ? RunStatus.Success : RunStatus.Failure, facts.Failure).ConfigureAwait(false);
            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await FinishAsync(operation, facts, scheduled, startedAt, stopwatch.Elapsed, RunStatus.Cancelled, "cancelled").ConfigureAwait(false);
            throw;
        }
        catch (LockHeldException ex)
        {
            await FinishAsync(operation, facts, scheduled, startedAt, stopwatch.Elapsed, RunStatus.Skipped, ex.Message).ConfigureAwait(false);
            throw;
        }
        catch (Exception ex)
        {
            await FinishAsync(operation, facts, scheduled, startedAt, stopwatch.Elapsed, RunStatus.Failure, Describe(ex)).ConfigureAwait(false);
            throw;
        }
        finally
        {
            s_scheduled.Value = scheduled;
        }
    }

    private async Task FinishAsync(IOperation operation, RunFacts facts, ScheduledRun? scheduled, DateTimeOffset startedAt, TimeSpan elapsed,
        string status, string? error)
    {
        var record = new OperationRunRecord
        {
            RunId = $"{startedAt.UtcDateTime:yyyyMMdd-HHmmss-fff}-{operation.Name}-{Guid.NewGuid().ToString("N")[..8]}",
            Operation = operation.Name,
            Server = facts.Server,
            Store = facts.Store,
            Database = facts.Database,
            Type = facts.Type,
            BackupId = facts.BackupId,
            Label = facts.Label,
            Status = status,
            Origin = scheduled is null ? "manual" : "schedule",
            ScheduleKey = scheduled?.Key,
            StartedAt = startedAt,
            FinishedAt = startedAt + elapsed,
            DurationSeconds = Math.Round(elapsed.TotalSeconds, 3),
            SizeBytes = facts.SizeBytes,
            StoredBytes = facts.StoredBytes,
            Checksum = facts.Checksum,
            StartLsn = facts.StartLsn,
            StopLsn = facts.StopLsn,
            Error = error is null ? null : Redaction.Redact(error),
            Host = Environment.MachineName,
            ProcessId = Environment.ProcessId,
        };
        // Recording must not be cut short by the operation's own cancellation; each step bounds its own time.
        await WriteHistoryAsync(record).ConfigureAwait(false);
        if (_table.Value is { } table)
        {
            await table.InsertAsync(record, CancellationToken.None).ConfigureAwait(false);
        }
        _notifier.Value?.Enqueue(record);
        if (_channels.Value is { } channels && Notification.FromRun(record) is { } notification)
        {
            channels.Enqueue(notification);
        }
    }

    private async Task WriteHistoryAsync(OperationRunRecord record)
    {
        if (record.Store is { } storeName)
        {
            await WriteStoreHistoryAsync(record, storeName).ConfigureAwait(false);
            return;
        }
        var server = record.Server is { } name ? _context.Options.Servers.FirstOrDefault(s => s.Name == name) : null;
        if (server is null)
        {
            return;
        }
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var repository = _context.PrimaryRepositoryFor(server);
            // Only into an initialized server area: a run that failed because the repository is not set up must not create one.
            if (await repository.ReadServerRecordAsync(server.Name, timeout.Token).ConfigureAwait(false) is null)
            {
                return;
            }
            await new HistoryStore(repository).WriteRunAsync(record, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.ServerRunNotRecorded(_logger, record.Operation, record.Server, Redaction.Redact(ex.Message));
        }
    }

    // Store runs go to the store's own history folder in its repository (created on the first run, like the backups).
    private async Task WriteStoreHistoryAsync(OperationRunRecord record, string storeName)
    {
        var store = _context.Options.Stores.FirstOrDefault(s => s.Name == storeName);
        if (store is null)
        {
            return;
        }
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await new HistoryStore(_context.StoreCatalogFor(store).Repository).WriteStoreRunAsync(record, storeName, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.StoreRunNotRecorded(_logger, record.Operation, storeName, Redaction.Redact(ex.Message));
        }
    }

    private static string Describe(Exception ex) => ex switch
    {
        PgArkException pg => pg.Message,
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };

    private sealed record ScheduledRun(string Key);

    private sealed class Scope(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
