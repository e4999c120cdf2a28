using System.Text.Json.Serialization.Metadata;
using PgArk.Core.Common;

namespace PgArk.Core.Catalog;

/// <summary>One check of a test restore and its outcome.</summary>
/// <param name="Name">What was checked, e.g. "amcheck" or "appdb: table users exists".</param>
/// <param name="Detail">What was found (row count, error text, tail of pg_amcheck's output).</param>
public sealed record VerifyCheckResult(string Name, bool Passed, string Detail);

/// <summary>
/// The record of one <c>pgark verify-restore</c> run, stored as
/// <c>servers/&lt;server&gt;/history/&lt;yyyyMMdd-HHmmss-fff&gt;-verify-restore.json</c> (docs/repository-format.md).
/// Phase durations are in seconds; a phase that never ran is null.
/// </summary>
public sealed record VerifyRestoreRecord : IJsonFile<VerifyRestoreRecord>
{
    static JsonTypeInfo<VerifyRestoreRecord> IJsonFile<VerifyRestoreRecord>.JsonInfo => CatalogJsonContext.Default.VerifyRestoreRecord;

    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    public required string Server { get; init; }
    public required string BackupId { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }

    /// <summary>True when every phase completed and every check passed.</summary>
    public required bool Passed { get; init; }

    /// <summary>Copying the backup into the sandbox.</summary>
    public double? RestoreSeconds { get; init; }

    /// <summary>Starting the sandbox until recovery reached consistency and it was promoted.</summary>
    public double? RecoverySeconds { get; init; }

    public double? ChecksSeconds { get; init; }

    /// <summary>Restore + recovery: the measured recovery time objective for this backup.</summary>
    public double? RtoSeconds { get; init; }

    public required double TotalSeconds { get; init; }

    public required IReadOnlyList<VerifyCheckResult> Checks { get; init; }

    /// <summary>Why the run stopped before its checks completed (restore or start failed), else null.</summary>
    public string? Error { get; init; }
}
