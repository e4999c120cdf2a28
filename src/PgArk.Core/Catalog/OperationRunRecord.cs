using System.Text.Json.Serialization.Metadata;
using PgArk.Core.Common;

namespace PgArk.Core.Catalog;

/// <summary>Outcome of an operation run, as stored and sent (lowercase strings, as in seed 001's webhook payload).</summary>
internal static class RunStatus
{
    public const string Success = "success";
    public const string Failure = "failure";

    /// <summary>Did not run because the server was busy (its lock was held by another run).</summary>
    public const string Skipped = "skipped";

    public const string Cancelled = "cancelled";
}

/// <summary>
/// The record of one operation run (backup, dump, verify, expire, ...), stored as
/// <c>servers/&lt;server&gt;/history/&lt;yyyyMMdd-HHmmss-fff&gt;-&lt;operation&gt;.run.json</c> (docs/repository-format.md) and,
/// when a catalog is configured, as a row of <c>backup_history</c>. Sizes are bytes; times are UTC.
/// </summary>
public sealed record OperationRunRecord : IJsonFile<OperationRunRecord>
{
    static JsonTypeInfo<OperationRunRecord> IJsonFile<OperationRunRecord>.JsonInfo => CatalogJsonContext.Default.OperationRunRecord;

    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;

    /// <summary>Unique id of the run: start time and operation, plus a random suffix.</summary>
    public required string RunId { get; init; }

    /// <summary>Registry name of the operation (backup, dump, verify_restore, expire, ...).</summary>
    public required string Operation { get; init; }

    public string? Server { get; init; }

    /// <summary>The Qdrant or Neo4j store (stores[].name) of a store operation; such runs are kept under <c>stores/&lt;store&gt;/history/</c>.</summary>
    public string? Store { get; init; }
    public string? Database { get; init; }

    /// <summary>Backup type (full, diff, incr) or dump mode (full, schema, data), when the operation has one.</summary>
    public string? Type { get; init; }

    /// <summary>Id of the backup or dump created or used.</summary>
    public string? BackupId { get; init; }

    public string? Label { get; init; }

    /// <summary>One of <see cref="RunStatus"/>.</summary>
    public required string Status { get; init; }

    /// <summary>"schedule" for runs started by <c>pgark serve</c>'s scheduler, else "manual" (CLI, REST, MCP).</summary>
    public required string Origin { get; init; }

    /// <summary>The schedule entry (e.g. "incr", "dump:app:schema") of a scheduled run.</summary>
    public string? ScheduleKey { get; init; }

    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public required double DurationSeconds { get; init; }

    /// <summary>Plain size of what was backed up or dumped.</summary>
    public long? SizeBytes { get; init; }

    /// <summary>Bytes stored in the repository (after compression and block-level deltas).</summary>
    public long? StoredBytes { get; init; }

    /// <summary>SHA-256 of the backup's manifest (which names every file's own SHA-256).</summary>
    public string? Checksum { get; init; }

    public string? StartLsn { get; init; }
    public string? StopLsn { get; init; }

    /// <summary>Why the run failed or was skipped (no secrets: PgArk's messages never contain them).</summary>
    public string? Error { get; init; }

    public required string Host { get; init; }
    public required int ProcessId { get; init; }
}
