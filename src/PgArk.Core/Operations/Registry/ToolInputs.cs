using PgArk.Core.Catalog;
using PgArk.Core.Errors;
using PgArk.Core.Physical;

namespace PgArk.Core.Operations.Registry;

// JSON-friendly arguments for the operations whose own input records hold non-JSON types (TimeSpan).

/// <param name="ArchiveTimeoutSeconds">How long to wait for the backup's WAL to be archived (default 60).</param>
public sealed record BackupArguments(
    [property: Input(InputText.Server)] string Server,
    [property: Input("full, diff (against the newest full) or incr (against the newest backup).")] BackupType Type = BackupType.Full,
    [property: Input(InputText.Label)] string? Label = null,
    [property: Input(InputText.Jobs)] int Jobs = 0,
    [property: Input(InputText.ArchiveTimeout)] int? ArchiveTimeoutSeconds = null) : IServerInput
{
    internal BackupInput ToInput() => new(Server, Type, Label, Jobs, Seconds(ArchiveTimeoutSeconds, "archive_timeout_seconds"));

    internal static TimeSpan? Seconds(int? value, string name) => value switch
    {
        null => null,
        < 1 => throw new UsageException($"argument '{name}': must be 1 or more (got {value})"),
        _ => TimeSpan.FromSeconds(value.Value),
    };
}

public sealed record CheckArguments(
    [property: Input(InputText.Server)] string Server,
    [property: Input(InputText.ArchiveTimeout, Aliases = ["--archive-timeout"])] int? ArchiveTimeoutSeconds = null) : IServerInput
{
    internal CheckInput ToInput() => new(Server, BackupArguments.Seconds(ArchiveTimeoutSeconds, "archive_timeout_seconds"));
}

/// <summary>verify_restore through the API: the sandbox goes in the default place (no caller-chosen paths).</summary>
public sealed record VerifyRestoreArguments(
    [property: Input(InputText.Server)] string Server,
    [property: Input("Backup to test (default: the newest).")] string? BackupId = null) : IServerInput;

/// <summary>What <c>backup</c> returns through the API: the backup's summary, not its whole file list.</summary>
public sealed record BackupOutcome(string BackupId, string Server, BackupType Type, string? Parent, string? Label, DateTimeOffset StartTime,
    DateTimeOffset StopTime, string StartLsn, string StopLsn, long Size, long StoredSize, double DurationSeconds, int FilesCopied,
    int FilesReferenced, int FilesAsDelta, string? FallbackReason)
{
    internal static BackupOutcome From(BackupResult r) => new(r.Manifest.Id, r.Manifest.Server, r.Manifest.Type, r.Manifest.Parent,
        r.Manifest.Label, r.Manifest.StartTime, r.Manifest.StopTime, r.Manifest.StartLsn, r.Manifest.StopLsn, r.Manifest.Size,
        r.Manifest.StoredSize, r.Manifest.DurationSeconds, r.FilesCopied, r.FilesReferenced, r.FilesAsDelta, r.FallbackReason);
}
