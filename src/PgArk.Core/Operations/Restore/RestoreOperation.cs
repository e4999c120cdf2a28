using Microsoft.Extensions.Logging;
using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Restore;

using PgArk.Core.Operations.Runs;

namespace PgArk.Core.Operations;

/// <summary>
/// Arguments of <c>restore</c> (snake_case through the API; <c>pgark restore --target-time …</c> on the command line). At most
/// one target is given (<see cref="RestoreTarget.Parse"/>); none is latest.
/// </summary>
public sealed record RestoreInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input("Empty (or new) data directory to restore into; through the API, the server's pgdata or a folder inside "
        + "restore.roots.")]
    string Pgdata,
    [property: Input("Backup to restore (default: the newest that ends before the target).", Aliases = ["--backup"])]
    string? BackupId = null,
    [property: Input("immediate (the end of the backup) or latest (all archived WAL, the default); or give one target_* instead.")]
    string? Target = null,
    [property: Input("Recover to this time (ISO 8601; UTC when no zone is given).")] string? TargetTime = null,
    [property: Input("Recover to this WAL location (e.g. 0/3000060).")] string? TargetLsn = null,
    [property: Input("Recover to this transaction id.")] ulong? TargetXid = null,
    [property: Input("Recover to this restore point (pg_create_restore_point).")] string? TargetName = null,
    [property: Input("What the server does at the target: pause (PostgreSQL's default), promote or shutdown.")]
    TargetAction? TargetAction = null,
    [property: Input("Timeline to follow: latest (the default), current (the backup's) or a timeline id.")] string? TargetTimeline = null,
    [property: Input("Restore over an existing, stopped data directory of this cluster, rewriting only files that differ.")]
    bool Delta = false,
    [property: Input("Files restored in parallel (0: one per core).", Aliases = ["-j"])] int Jobs = 0,
    [property: Input("Relocate tablespaces: old location, OID or name → new location; through the API each location must be inside "
        + "restore.roots.")] IReadOnlyDictionary<string, string>? TablespaceMap = null,
    [property: Input("Only this repository (default: the first, in configuration order, whose backups can reach the target).",
        Aliases = ["--repo"])] string? Repository = null,
    [property: Input("Make pg_wal a link to this empty folder (as initdb --waldir; default: a folder in the data directory). "
        + "Command line only: refused for API callers.", LocalOnly = true)] string? Waldir = null) : IServerInput, ILocallyConfirmedInput
{
    /// <summary>The restore target the arguments give (the one parser every front end goes through).</summary>
    internal RestoreTarget ParseTarget() => RestoreTarget.Parse(Target, TargetTime, TargetLsn, TargetXid, TargetName);
}

/// <summary>Restores a physical backup into an empty data directory, configured to recover to the target.</summary>
public sealed class RestoreOperation : Operation<RestoreInput, RestoreResult>
{
    public override string Name => "restore";
    public override string Description => "Restore a physical backup into an empty data directory and set up point-in-time recovery.";
    public override OperationRole Role => OperationRole.Admin;
    public override bool Destructive => true;
    public override bool LongRunning => true;
    public override OperationRoute Route => new("POST", "/api/servers/{server}/restore", "Restore a backup into a data directory (admin; \"confirm\": true)");

    public override RunFacts Facts(RestoreInput input, RestoreResult? result) =>
        RunFacts.Of(input) with { BackupId = result?.BackupId ?? input.BackupId, SizeBytes = result?.Bytes };

    protected override async Task<RestoreResult> ExecuteAsync(OperationContext context, RestoreInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var target = input.ParseTarget();
        var timeline = input.TargetTimeline is { } t ? TargetTimeline.Parse(t) : null;
        if (input.Jobs < 0)
        {
            throw new UsageException($"argument 'jobs': must be 0 (one per core) or more, not {input.Jobs}");
        }
        var server = context.GetServer(input.Server);
        RestoreTargetPolicy.Check(context.Caller, context.Options, server, input.Pgdata, input.Delta);
        var logger = context.CreateLogger("PgArk.Restore");
        var repositories = context.RepositoriesFor(server, input.Repository);
        var repository = await ChooseRepositoryAsync(server.Name, repositories, target, input.BackupId, logger, cancellationToken)
            .ConfigureAwait(false);
        var runner = new PhysicalRestoreRunner(repository, logger);
        return await runner.RunAsync(server.Name, new RestoreOptions(input.Pgdata, target, context.ArchiveGetCommand(server.Name),
            input.BackupId, input.TargetAction, input.TablespaceMap, input.Jobs, input.Delta, timeline, input.Waldir,
            RecreateWalLink: context.Caller == OperationCaller.Local,
            CheckTablespaceLocations: locations =>
                RestoreTargetPolicy.CheckTablespaces(context.Caller, context.Options, server, input.Pgdata, locations)), progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The first repository whose backups can reach the target; a repository that cannot be read is skipped with a
    /// warning. When none can, the first repository's reason is the error.
    /// </summary>
    private static async Task<Repository> ChooseRepositoryAsync(string server, IReadOnlyList<Repository> repositories, RestoreTarget target,
        string? backupId, ILogger logger, CancellationToken cancellationToken)
    {
        if (repositories.Count == 1)
        {
            return repositories[0];
        }
        PgArkException? first = null;
        foreach (var repository in repositories)
        {
            try
            {
                var backups = await repository.ListBackupsAsync(server, cancellationToken).ConfigureAwait(false);
                RestorePlanner.ChooseBackup(server, backups, target, backupId);
                return repository;
            }
            catch (PgArkException ex)
            {
                Log.RepositoryCannotServeRestore(logger, repository.Name, ex.Message);
                first ??= ex;
            }
        }
        throw first!;
    }
}
