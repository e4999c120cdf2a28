using PgArk.Core.Catalog;
using PgArk.Core.Errors;
using PgArk.Core.Physical;
using PgArk.Core.Restore;

namespace PgArk.Core.Operations.Registry;

// JSON-friendly arguments for the operations whose own input records hold non-JSON types (TimeSpan, RestoreTarget).

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

/// <param name="Target">"latest" (default) or "immediate"; or give one of the target_* arguments instead.</param>
public sealed record RestoreArguments(
    [property: Input(InputText.Server)] string Server,
    [property: Input("Empty data directory to restore into.")] string Pgdata,
    [property: Input("Backup to restore (default: the newest that reaches the target).")] string? BackupId = null,
    [property: Input("\"latest\" (default) or \"immediate\"; or give one of the target_* arguments instead.")] string? Target = null,
    [property: Input("Recover to this time (ISO 8601 with an offset).")] string? TargetTime = null,
    [property: Input("Recover to this WAL position (e.g. 0/3000060).")] string? TargetLsn = null,
    [property: Input("Recover to this transaction id.")] ulong? TargetXid = null,
    [property: Input("Recover to this restore point (pg_create_restore_point).")] string? TargetName = null,
    [property: Input("What the server does at the target: pause, promote or shutdown.")] TargetAction? TargetAction = null,
    [property: Input("Reuse files already in the data directory that match the backup.")] bool Delta = false,
    [property: Input(InputText.Jobs)] int Jobs = 0,
    [property: Input("Tablespace old location, OID or name → new location; through the API each location must be inside restore.roots.")]
    IReadOnlyDictionary<string, string>? TablespaceMap = null) : IServerInput
{
    internal RestoreInput ToInput()
    {
        var target = RestoreTarget.Parse(Target, TargetTime, TargetLsn, TargetXid, TargetName);
        return new RestoreInput(Server, Pgdata, target, BackupId, TargetAction, TablespaceMap, Jobs, Delta);
    }
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

/// <summary>What <c>restore</c> returns through the API.</summary>
public sealed record RestoreOutcome(string BackupId, string DataDirectory, string Target, int Files, long Bytes, double DurationSeconds)
{
    internal static RestoreOutcome From(RestoreResult r) =>
        new(r.BackupId, r.DataDirectory, r.Target.Kind.ToString().ToLowerInvariant(), r.Files, r.Bytes, r.DurationSeconds);
}
