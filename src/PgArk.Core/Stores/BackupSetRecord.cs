using System.Text.Json.Serialization.Metadata;
using PgArk.Core.Common;

namespace PgArk.Core.Stores;

/// <summary>
/// One run of <c>backup_set</c>: the PostgreSQL servers and stores backed up together under one set id, stored as
/// <c>sets/&lt;set-id&gt;.json</c> in the first configured repository (docs/stores.md). Each member's backup also carries the
/// label <c>set:&lt;set-id&gt;</c>, so it can be found from its own listing.
/// </summary>
public sealed record BackupSetRecord : IJsonFile<BackupSetRecord>
{
    static JsonTypeInfo<BackupSetRecord> IJsonFile<BackupSetRecord>.JsonInfo => StoresJsonContext.Default.BackupSetRecord;

    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;

    /// <summary><c>yyyyMMdd-HHmmss</c> of the start, UTC, plus <c>X</c>.</summary>
    public required string Id { get; init; }

    public required DateTimeOffset StartTime { get; init; }
    public double DurationSeconds { get; init; }
    public string? Label { get; init; }
    public required IReadOnlyList<BackupSetMember> Members { get; init; }
}

/// <param name="Kind"><c>server</c> (a physical backup) or <c>store</c> (a Qdrant or Neo4j backup).</param>
/// <param name="BackupId">The member's backup id; null when it failed.</param>
/// <param name="Error">Why the member failed; null on success.</param>
public sealed record BackupSetMember(string Kind, string Name, string? BackupId, string? Error);
