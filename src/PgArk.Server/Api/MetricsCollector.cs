using PgArk.Core.Catalog;
using PgArk.Core.Errors;
using PgArk.Core.Notifications.Alerts;
using PgArk.Core.Operations;

namespace PgArk.Server.Api;

/// <summary>
/// Gathers what <c>GET /metrics</c> reports, from the same sources as the CLI: each server's repository (backups, archived
/// WAL, run history, so runs made by the CLI count too) and the server itself (pg_stat_archiver).
/// </summary>
internal sealed class MetricsCollector(OperationContext context, TimeProvider clock, AlertEvaluator? alerts = null)
{
    private readonly RunHistoryCache _runs = new();

    public async Task<string> CollectAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var w = new PrometheusWriter();
        w.Describe("pgark_backups", "gauge", "Complete physical backups in the repository.");
        w.Describe("pgark_backup_last_success_timestamp_seconds", "gauge", "Stop time of the newest complete backup of this type (Unix seconds).");
        w.Describe("pgark_backup_last_duration_seconds", "gauge", "Duration of the newest backup of this type.");
        w.Describe("pgark_backup_last_size_bytes", "gauge", "Plain size of the newest backup of this type.");
        w.Describe("pgark_backup_last_stored_bytes", "gauge", "Bytes stored for the newest backup of this type.");
        w.Describe("pgark_backup_previous_size_bytes", "gauge", "Plain size of the backup of this type before the newest one.");
        w.Describe("pgark_backups_stored_bytes", "gauge", "Bytes stored in the repository for all complete backups of the server.");
        w.Describe("pgark_wal_archive_last_segment_timestamp_seconds", "gauge", "When the newest WAL file reached the repository (Unix seconds).");
        w.Describe("pgark_wal_archive_lag_seconds", "gauge", "Seconds since the newest WAL file reached the repository.");
        w.Describe("pgark_recoverable_window_start_timestamp_seconds", "gauge", "Earliest point of the recoverable span reaching the newest WAL (Unix seconds).");
        w.Describe("pgark_recoverable_window_end_timestamp_seconds", "gauge", "Latest recoverable point: end of the archived WAL continuing a backup (Unix seconds).");
        w.Describe("pgark_server_up", "gauge", "1 when the server answered, else 0.");
        w.Describe("pgark_archiver_lag_seconds", "gauge", "Seconds since pg_stat_archiver.last_archived_time.");
        w.Describe("pgark_archiver_failed_total", "counter", "pg_stat_archiver.failed_count.");
        w.Describe("pgark_operation_runs_total", "counter", "Recorded operation runs by outcome (repository history).");
        w.Describe("pgark_operation_failures_total", "counter", "Recorded failed operation runs (repository history).");
        w.Describe("pgark_operation_last_success_timestamp_seconds", "gauge", "End of the last successful run (Unix seconds).");
        w.Describe("pgark_operation_last_duration_seconds", "gauge", "Duration of the last run, whatever its outcome.");
        w.Describe("pgark_operation_last_size_bytes", "gauge", "Size reported by the last successful run (backups and dumps).");
        w.Describe("pgark_operation_last_status", "gauge", "1 when the last run succeeded, 0 when it failed or was skipped.");
        w.Describe("pgark_alert_active", "gauge", "1 while the alert holds for the server (pgark serve's evaluation), else 0.");
        w.Describe("pgark_wal_archive_lag_segments", "gauge", "Completed WAL segments of the server not yet in the repository.");
        w.Describe("pgark_stream_lag_bytes", "gauge", "WAL the server wrote that the streamer has not made durable in the repository (current LSN minus the slot's flush).");
        w.Describe("pgark_stream_active", "gauge", "1 while a streamer is connected to the server's pgark slot, else 0.");
        w.Describe("pgark_store_backups", "gauge", "Complete backups of a Qdrant or Neo4j store in its repository.");
        w.Describe("pgark_store_backup_last_success_timestamp_seconds", "gauge", "End of the newest complete backup of the store (Unix seconds).");
        w.Describe("pgark_store_backup_last_duration_seconds", "gauge", "Duration of the newest backup of the store.");
        w.Describe("pgark_store_backup_last_size_bytes", "gauge", "Plain size of the newest backup of the store (snapshots or dumps).");
        w.Describe("pgark_store_backup_last_stored_bytes", "gauge", "Bytes stored for the newest backup of the store.");
        w.Describe("pgark_store_backups_stored_bytes", "gauge", "Bytes stored in the repository for all complete backups of the store.");
        w.Describe("pgark_store_operation_runs_total", "counter", "Recorded runs on the store by outcome (the store's repository history).");
        w.Describe("pgark_store_operation_last_status", "gauge", "1 when the last run of the operation on the store succeeded, else 0.");
        WriteAlerts(w);
        foreach (var server in context.Options.Servers.Where(s => s.Stream))
        {
            if (await ReadSlotAsync(server, cancellationToken).ConfigureAwait(false) is { } slot)
            {
                w.Sample("pgark_stream_active", slot.Active ? 1 : 0, ("server", server.Name));
                w.Sample("pgark_stream_lag_bytes", slot.LagBytes, ("server", server.Name));
            }
        }

        var health = await new HealthOperation().RunAsync(context, new HealthInput(), null, cancellationToken).ConfigureAwait(false);
        foreach (var server in health.Servers)
        {
            w.Sample("pgark_server_up", server.Connected ? 1 : 0, ("server", server.Server));
            if (server.Archive is { } archive)
            {
                w.Sample("pgark_archiver_failed_total", archive.FailedCount, ("server", server.Server));
                if (archive.LastArchivedTime is { } archived)
                {
                    w.Sample("pgark_archiver_lag_seconds", Seconds(now - archived), ("server", server.Server));
                }
            }
        }
        foreach (var server in context.Options.Servers)
        {
            var repository = context.PrimaryRepositoryFor(server);
            ServerInfo info;
            try
            {
                info = await InfoOperation.DescribeAsync(server.Name, repository, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is PgArkException or IOException)
            {
                continue;
            }
            WriteBackups(w, server.Name, info);
            if (info.WalRanges.Count > 0)
            {
                var last = info.WalRanges.Max(r => r.LastArchivedAt);
                w.Sample("pgark_wal_archive_last_segment_timestamp_seconds", last.ToUnixTimeMilliseconds() / 1000.0, ("server", server.Name));
                w.Sample("pgark_wal_archive_lag_seconds", Seconds(now - last), ("server", server.Name));
            }
            // The same span info and the dashboard show (RecoverableWindows), not one recomputed here.
            if (info.Window is { } window)
            {
                w.Sample("pgark_recoverable_window_start_timestamp_seconds", window.FromTime.ToUnixTimeMilliseconds() / 1000.0, ("server", server.Name));
                w.Sample("pgark_recoverable_window_end_timestamp_seconds", window.ToTime.ToUnixTimeMilliseconds() / 1000.0, ("server", server.Name));
            }
            await WriteRunsAsync(w, server.Name, repository, cancellationToken).ConfigureAwait(false);
        }
        await WriteStoresAsync(w, cancellationToken).ConfigureAwait(false);
        return w.ToString();
    }

    /// <summary>The streamer's slot of a <c>stream: true</c> server, or null when the server or the slot is not there.</summary>
    private static async Task<Core.Streaming.StreamSlotState?> ReadSlotAsync(Core.Configuration.ServerOptions server, CancellationToken cancellationToken)
    {
        try
        {
            var session = await Core.Postgres.PostgresSession.OpenAsync(server.Name, server.Connection, cancellationToken).ConfigureAwait(false);
            await using (session.ConfigureAwait(false))
            {
                return await Core.Streaming.WalStreamSlot.ReadAsync(session, Core.Streaming.WalStreamSlot.NameFor(server.Name), cancellationToken)
                    .ConfigureAwait(false);
            }
        }
        catch (PgArkException)
        {
            return null; // pgark_server_up already says the server did not answer
        }
    }

    private static void WriteBackups(PrometheusWriter w, string server, ServerInfo info)
    {
        foreach (var group in info.Backups.GroupBy(b => b.Type))
        {
            var newest = group.MaxBy(b => b.StopTime)!;
            var labels = new (string, string?)[] { ("server", server), ("type", group.Key) };
            w.Sample("pgark_backups", group.Count(), labels);
            w.Sample("pgark_backup_last_success_timestamp_seconds", newest.StopTime.ToUnixTimeMilliseconds() / 1000.0, labels);
            w.Sample("pgark_backup_last_duration_seconds", newest.DurationSeconds, labels);
            w.Sample("pgark_backup_last_size_bytes", newest.Size, labels);
            w.Sample("pgark_backup_last_stored_bytes", newest.StoredSize, labels);
            if (group.OrderByDescending(b => b.StopTime).Skip(1).FirstOrDefault() is { } previous)
            {
                w.Sample("pgark_backup_previous_size_bytes", previous.Size, labels);
            }
        }
        if (info.Backups.Count > 0)
        {
            w.Sample("pgark_backups_stored_bytes", info.Backups.Sum(b => b.StoredSize), ("server", server));
        }
    }

    private async Task WriteRunsAsync(PrometheusWriter w, string server, Repository repository, CancellationToken cancellationToken)
    {
        var records = await _runs.ReadAsync(server, repository, cancellationToken).ConfigureAwait(false);
        foreach (var group in records.GroupBy(r => (r.Operation, r.Type)))
        {
            var labels = new (string, string?)[] { ("server", server), ("operation", group.Key.Operation), ("type", group.Key.Type) };
            var ordered = group.OrderBy(r => r.StartedAt).ToList();
            var last = ordered[^1];
            w.Sample("pgark_operation_last_duration_seconds", last.DurationSeconds, labels);
            w.Sample("pgark_operation_last_status", last.Status == RunStatus.Success ? 1 : 0, labels);
            if (ordered.LastOrDefault(r => r.Status == RunStatus.Success) is { } success)
            {
                w.Sample("pgark_operation_last_success_timestamp_seconds", success.FinishedAt.ToUnixTimeMilliseconds() / 1000.0, labels);
                if (success.SizeBytes is { } size)
                {
                    w.Sample("pgark_operation_last_size_bytes", size, labels);
                }
            }
        }
        foreach (var group in records.GroupBy(r => (r.Operation, r.Status)))
        {
            w.Sample("pgark_operation_runs_total", group.Count(), ("server", server), ("operation", group.Key.Operation), ("status", group.Key.Status));
        }
        foreach (var group in records.GroupBy(r => r.Operation))
        {
            w.Sample("pgark_operation_failures_total", group.Count(r => r.Status == RunStatus.Failure), ("server", server), ("operation", group.Key));
        }
    }

    // Stores get metrics of their own (label store, not server), so server rules and panels never see a series without a server.
    private async Task WriteStoresAsync(PrometheusWriter w, CancellationToken cancellationToken)
    {
        foreach (var store in context.Options.Stores)
        {
            var catalog = context.StoreCatalogFor(store);
            IReadOnlyList<PgArk.Core.Stores.StoreBackupManifest> backups;
            IReadOnlyList<OperationRunRecord> runs;
            try
            {
                backups = await catalog.ListAsync(store.Name, cancellationToken).ConfigureAwait(false);
                runs = await _runs.ReadStoreAsync(store.Name, catalog.Repository, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is PgArkException or IOException)
            {
                continue;
            }
            var labels = new (string, string?)[] { ("store", store.Name), ("kind", store.Kind.ToString().ToLowerInvariant()) };
            w.Sample("pgark_store_backups", backups.Count, labels);
            if (backups.Count > 0)
            {
                var newest = backups.MaxBy(b => b.StartTime)!;
                w.Sample("pgark_store_backup_last_success_timestamp_seconds",
                    newest.StartTime.AddSeconds(newest.DurationSeconds).ToUnixTimeMilliseconds() / 1000.0, labels);
                w.Sample("pgark_store_backup_last_duration_seconds", newest.DurationSeconds, labels);
                w.Sample("pgark_store_backup_last_size_bytes", newest.Size, labels);
                w.Sample("pgark_store_backup_last_stored_bytes", newest.StoredSize, labels);
                w.Sample("pgark_store_backups_stored_bytes", backups.Sum(b => b.StoredSize), labels);
            }
            foreach (var group in runs.GroupBy(r => (r.Operation, r.Status)))
            {
                w.Sample("pgark_store_operation_runs_total", group.Count(), ("store", store.Name), ("operation", group.Key.Operation),
                    ("status", group.Key.Status));
            }
            foreach (var group in runs.GroupBy(r => r.Operation))
            {
                w.Sample("pgark_store_operation_last_status", group.MaxBy(r => r.StartedAt)!.Status == RunStatus.Success ? 1 : 0,
                    ("store", store.Name), ("operation", group.Key));
            }
        }
    }

    // Every alert of every configured server, 0 or 1, so that rules and panels see a series before anything ever fired.
    private void WriteAlerts(PrometheusWriter w)
    {
        if (alerts is null)
        {
            return;
        }
        var active = alerts.Active.Select(a => (a.Server, a.Kind)).ToHashSet();
        foreach (var server in context.Options.Servers)
        {
            foreach (var kind in Enum.GetValues<AlertKind>())
            {
                w.Sample("pgark_alert_active", active.Contains((server.Name, kind)) ? 1 : 0, ("server", server.Name), ("alert", AlertConditions.Name(kind)));
            }
        }
        foreach (var (server, lag) in alerts.WalLagSegments)
        {
            w.Sample("pgark_wal_archive_lag_segments", lag, ("server", server));
        }
    }

    private static double Seconds(TimeSpan span) => Math.Round(Math.Max(0, span.TotalSeconds), 3);
}
