using System.Globalization;
using System.Text.Json.Nodes;
using PgArk.Core.Catalog;

namespace PgArk.Core.Notifications;

/// <summary>
/// The JSON a webhook receives: seed 001's alert fields (service, event, status, host, message, detail, timestamp), the run's
/// facts (server, database, operation, type, backup id, size, duration, error, ...), and a Slack-compatible <c>text</c>.
/// </summary>
internal static class WebhookPayload
{
    public const string Service = "pgark";

    public static JsonObject Build(OperationRunRecord run)
    {
        var subject = run.Store is { } store ? $"{run.Operation} of store '{store}'"
            : run.Database is { } database ? $"{run.Operation} of database '{database}' on server '{run.Server}'" : $"{run.Operation} of server '{run.Server}'";
        var what = run.Type is { } type ? $"{type} {subject}" : subject;
        var message = run.Status switch
        {
            RunStatus.Success => $"PgArk {what} succeeded on {run.Host}",
            RunStatus.Skipped => $"PgArk {what} was skipped on {run.Host}",
            _ => $"PgArk {what} failed on {run.Host}",
        };
        var detail = string.Join(" | ", new[]
        {
            run.BackupId is { } id ? $"Backup: {id}" : null,
            run.Type is { } t ? $"Type: {t}" : null,
            $"Duration: {run.DurationSeconds.ToString("0.#", CultureInfo.InvariantCulture)}s",
            run.SizeBytes is { } size ? $"Size: {size} bytes" : null,
            run.Error is { } error ? $"Error: {error}" : null,
        }.Where(p => p is not null));
        var emoji = run.Status == RunStatus.Success ? ":white_check_mark:" : ":rotating_light:";
        return new JsonObject
        {
            ["service"] = Service,
            ["event"] = $"pgark-{run.Operation.Replace('_', '-')}",
            ["status"] = run.Status,
            ["host"] = run.Host,
            ["message"] = message,
            ["detail"] = detail,
            ["timestamp"] = run.FinishedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["server"] = run.Server,
            ["store"] = run.Store,
            ["database"] = run.Database,
            ["operation"] = run.Operation,
            ["type"] = run.Type,
            ["backup_id"] = run.BackupId,
            ["label"] = run.Label,
            ["size_bytes"] = run.SizeBytes,
            ["stored_bytes"] = run.StoredBytes,
            ["duration_seconds"] = run.DurationSeconds,
            ["started_at"] = run.StartedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["finished_at"] = run.FinishedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["error"] = run.Error,
            ["origin"] = run.Origin,
            ["schedule"] = run.ScheduleKey,
            ["run_id"] = run.RunId,
            ["text"] = $"{emoji} {message}. {detail}",
        };
    }
}
