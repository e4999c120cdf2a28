using PgArk.Core.Common;
using PgArk.Core.Restore;

namespace PgArk.Core.Operations;

public sealed record RestoreInput(string Server, string DataDirectory, RestoreTarget Target, string? BackupId = null,
    TargetAction? TargetAction = null, IReadOnlyDictionary<string, string>? TablespaceMap = null, int Jobs = 0, bool Delta = false);

/// <summary>Restores a physical backup into an empty data directory, configured to recover to the target.</summary>
public sealed class RestoreOperation : Operation<RestoreInput, RestoreResult>
{
    public override string Name => "restore";
    public override string Description => "Restore a physical backup into an empty data directory and set up point-in-time recovery.";
    public override OperationRole Role => OperationRole.Admin;
    public override bool Destructive => true;
    public override bool LongRunning => true;

    protected override Task<RestoreResult> ExecuteAsync(OperationContext context, RestoreInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var runner = new PhysicalRestoreRunner(context.PrimaryRepositoryFor(server), context.CreateLogger("PgArk.Restore"));
        return runner.RunAsync(server.Name, new RestoreOptions(input.DataDirectory, input.Target, context.ArchiveGetCommand(server.Name),
            input.BackupId, input.TargetAction, input.TablespaceMap, input.Jobs, input.Delta), progress, cancellationToken);
    }
}
