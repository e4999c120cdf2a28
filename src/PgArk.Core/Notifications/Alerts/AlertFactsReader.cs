using Microsoft.Extensions.Logging;
using PgArk.Core.Catalog;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Core.Postgres;
using PgArk.Core.Scheduling;
using PgArk.Core.Wal;

namespace PgArk.Core.Notifications.Alerts;

/// <summary>
/// Reads the facts the alerts need, from the same sources as <c>info</c> and <c>schedule</c>: each server's repository
/// (backups, archived WAL, run history, schedule state) and the server itself (its current WAL file). A server whose
/// repository cannot be read is left out (its alerts stay as they were) and logged.
/// </summary>
internal sealed class AlertFactsReader(OperationContext context)
{
    private readonly RunHistoryCache _runs = new();
    private readonly ILogger _logger = context.CreateLogger("PgArk.Alerts");

    public async Task<IReadOnlyList<ServerFacts>> ReadAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var result = new List<ServerFacts>();
        foreach (var server in context.Options.Servers)
        {
            try
            {
                if (await ReadServerAsync(server, now, cancellationToken).ConfigureAwait(false) is { } facts)
                {
                    result.Add(facts);
                }
            }
            catch (Exception ex) when (ex is PgArkException or IOException)
            {
                _logger.LogWarning("alerts of server {Server} not evaluated: {Message}", server.Name, ex.Message);
            }
        }
        return result;
    }

    private async Task<ServerFacts?> ReadServerAsync(ServerOptions server, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var repository = context.PrimaryRepositoryFor(server);
        if (await repository.ReadServerRecordAsync(server.Name, cancellationToken).ConfigureAwait(false) is not { } record)
        {
            // Not initialized (pgark init): nothing to say about backups that were never meant to exist yet.
            return null;
        }
        var info = await InfoOperation.DescribeAsync(server.Name, repository, cancellationToken).ConfigureAwait(false);
        var backups = info.Backups.Select(b => new BackupFact(b.Id, b.Type, b.StopTime, b.Size)).ToList();
        var runs = await _runs.ReadAsync(server.Name, repository, cancellationToken).ConfigureAwait(false);
        var lag = await WalLagAsync(server, info, record.WalSegmentSize, cancellationToken).ConfigureAwait(false);
        var schedule = new List<ScheduleFact>();
        if (server.Schedule is { } options)
        {
            var saved = await new ScheduleStateStore(repository, server.Name).LoadAsync(cancellationToken).ConfigureAwait(false);
            // Without saved state the scheduler has not run this schedule yet: nothing can have been missed.
            var state = SchedulePlanner.Start(options, saved, now);
            schedule.AddRange(options.Entries.Select(e => new ScheduleFact(e.Key, SchedulePlanner.NextOccurrence(e, state, now))));
        }
        var stream = server.Stream ? await StreamSlotAsync(server, cancellationToken).ConfigureAwait(false) : (null, false);
        return new ServerFacts(server.Name, runs, backups, lag, schedule) { Stream = stream.Slot, StreamSlotMissing = stream.Missing };
    }

    // Completed segments the repository does not have yet: the server's current (still open) segment minus the newest
    // archived one, minus one. Null when it cannot be known: server down, a standby, or nothing archived yet.
    private async Task<long?> WalLagAsync(ServerOptions server, ServerInfo info, long walSegmentSize, CancellationToken cancellationToken)
    {
        var newest = info.WalRanges.Select(r => WalFileName.TryParse(r.Last, out var name) ? Segment(name, walSegmentSize) : (ulong?)null).Max();
        if (newest is null)
        {
            return null;
        }
        string? current;
        try
        {
            var session = await PostgresSession.OpenAsync(server.Name, server.Connection, cancellationToken).ConfigureAwait(false);
            await using var sessionScope = session.ConfigureAwait(false);
            var rows = await session.QueryAsync(
                "SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_walfile_name(pg_current_wal_lsn()) END", cancellationToken).ConfigureAwait(false);
            current = rows[0][0] as string;
        }
        catch (PgArkException ex)
        {
            _logger.LogDebug("WAL lag of server {Server} unknown: {Message}", server.Name, ex.Message);
            return null;
        }
        if (!WalFileName.TryParse(current, out var currentName))
        {
            return null;
        }
        var lag = (long)Segment(currentName, walSegmentSize) - (long)newest.Value - 1;
        return Math.Max(0, lag);
    }

    // The streamer's slot as the server sees it; (null, false) when the server does not answer (nothing to say then).
    private async Task<(Streaming.StreamSlotState? Slot, bool Missing)> StreamSlotAsync(ServerOptions server, CancellationToken cancellationToken)
    {
        try
        {
            var session = await PostgresSession.OpenAsync(server.Name, server.Connection, cancellationToken).ConfigureAwait(false);
            await using var sessionScope = session.ConfigureAwait(false);
            var slot = await Streaming.WalStreamSlot.ReadAsync(session, Streaming.WalStreamSlot.NameFor(server.Name), cancellationToken).ConfigureAwait(false);
            return (slot, slot is null);
        }
        catch (PgArkException ex)
        {
            _logger.LogDebug("stream slot of server {Server} unknown: {Message}", server.Name, ex.Message);
            return (null, false);
        }
    }

    private static ulong Segment(WalFileName name, long walSegmentSize) =>
        name.LogId * WalFileName.SegmentsPerLogId(walSegmentSize) + name.SegmentInLog;
}
