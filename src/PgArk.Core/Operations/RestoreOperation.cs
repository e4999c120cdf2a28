using Microsoft.Extensions.Logging;
using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Restore;

using PgArk.Core.Operations.Runs;
using PgArk.Core.Operations.Registry;

namespace PgArk.Core.Operations;

/// <param name="Repository">Only this repository (default: the first, in configuration order, whose backups can reach the target).</param>
public sealed record RestoreInput(
    string Server,
    string DataDirectory,
    RestoreTarget Target,
    string? BackupId = null,
    TargetAction? TargetAction = null,
    IReadOnlyDictionary<string, string>? TablespaceMap = null,
    int Jobs = 0,
    bool Delta = false,
    string? Repository = null,
    TargetTimeline? Timeline = null,
    string? WalDirectory = null) : IServerInput;

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

    internal override RegisteredOperation Register() => new RegisteredOperation<RestoreArguments, RestoreOutcome>(this,
        async (c, a, p, ct) => RestoreOutcome.From(await RunAsync(c, a.ToInput(), p, ct).ConfigureAwait(false)));

    protected override async Task<RestoreResult> ExecuteAsync(OperationContext context, RestoreInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        RestoreTargetPolicy.Check(context.Caller, context.Options, server, input.DataDirectory, input.Delta);
        var logger = context.CreateLogger("PgArk.Restore");
        var repository = await ChooseRepositoryAsync(server.Name, context.RepositoriesFor(server, input.Repository), input, logger, cancellationToken)
            .ConfigureAwait(false);
        var runner = new PhysicalRestoreRunner(repository, logger);
        return await runner.RunAsync(server.Name, new RestoreOptions(input.DataDirectory, input.Target, context.ArchiveGetCommand(server.Name),
            input.BackupId, input.TargetAction, input.TablespaceMap, input.Jobs, input.Delta, input.Timeline, input.WalDirectory,
            RecreateWalLink: context.Caller == OperationCaller.Local,
            CheckTablespaceLocations: locations => RestoreTargetPolicy.CheckTablespaces(context.Caller, context.Options, server, input.DataDirectory,
                locations)), progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The first repository whose backups can reach the target; a repository that cannot be read is skipped with a
    /// warning. When none can, the first repository's reason is the error.
    /// </summary>
    private static async Task<Repository> ChooseRepositoryAsync(string server, IReadOnlyList<Repository> repositories, RestoreInput input,
        ILogger logger, CancellationToken cancellationToken)
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
                RestorePlanner.ChooseBackup(server, backups, input.Target, input.BackupId);
                return repository;
            }
            catch (PgArkException ex)
            {
                logger.LogWarning("repository '{Repository}' cannot serve this restore: {Message}", repository.Name, ex.Message);
                first ??= ex;
            }
        }
        throw first!;
    }
}
