using PgArk.Core.Catalog;
using PgArk.Core.Errors;
using PgArk.Core.Physical;
using PgArk.Core.Postgres;
using PgArk.Core.Restore;

namespace PgArk.Core.Operations.Registry;

// JSON-friendly arguments for the operations whose own input records hold non-JSON types (TimeSpan, RestoreTarget).

public sealed record CheckArguments(
    [property: Input(InputText.Server)] string Server,
    [property: Input(InputText.ArchiveTimeout, Aliases = ["--archive-timeout"])] int? ArchiveTimeoutSeconds = null) : IServerInput
{
    internal CheckInput ToInput() => new(Server, InputValues.Seconds(ArchiveTimeoutSeconds, "archive_timeout_seconds"));
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
        var given = new (string Name, bool Present)[]
        {
            ("target", Target is not null), ("target_time", TargetTime is not null), ("target_lsn", TargetLsn is not null),
            ("target_xid", TargetXid is not null), ("target_name", TargetName is not null),
        }.Where(g => g.Present).Select(g => g.Name).ToList();
        if (given.Count > 1)
        {
            throw new UsageException($"arguments {string.Join(", ", given)} are exclusive: give at most one restore target");
        }
        var target = Target switch
        {
            null or "latest" when TargetTime is null && TargetLsn is null && TargetXid is null && TargetName is null => RestoreTarget.Latest,
            "immediate" => RestoreTarget.Immediate,
            null when TargetTime is not null => RestoreTarget.AtTime(RestoreTarget.ParseTime(TargetTime)),
            null when TargetLsn is not null => RestoreTarget.AtLsn(Lsn.TryParse(TargetLsn, out var lsn)
                ? lsn : throw new UsageException($"argument 'target_lsn': '{TargetLsn}' is not an LSN (e.g. 0/3000060)")),
            null when TargetXid is not null => RestoreTarget.AtXid(TargetXid.Value),
            null when TargetName is not null => RestoreTarget.AtName(TargetName),
            _ => throw new UsageException($"argument 'target': '{Target}' is not one of latest, immediate"),
        };
        return new RestoreInput(Server, Pgdata, target, BackupId, TargetAction, TablespaceMap, Jobs, Delta);
    }
}

/// <summary>What <c>restore</c> returns through the API.</summary>
public sealed record RestoreOutcome(string BackupId, string DataDirectory, string Target, int Files, long Bytes, double DurationSeconds)
{
    internal static RestoreOutcome From(RestoreResult r) =>
        new(r.BackupId, r.DataDirectory, r.Target.Kind.ToString().ToLowerInvariant(), r.Files, r.Bytes, r.DurationSeconds);
}
