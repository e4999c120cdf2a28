using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Physical;

namespace PgArk.Core.Operations;

public sealed record BackupInput(string Server, BackupType Type = BackupType.Full, string? Label = null, int Jobs = 0,
    TimeSpan? ArchiveTimeout = null, bool ChecksumAll = false);

/// <summary>Takes a physical backup of a server into its first repository.</summary>
public sealed class BackupOperation : Operation<BackupInput, BackupResult>
{
    public override string Name => "backup";
    public override string Description => "Take a physical backup of a server (full, diff against the newest full, or incr against the newest backup), with the WAL up to its end point.";
    public override OperationRole Role => OperationRole.Operator;
    public override bool LongRunning => true;

    protected override Task<BackupResult> ExecuteAsync(OperationContext context, BackupInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var repository = context.PrimaryRepositoryFor(server);
        var runner = new BaseBackupRunner(repository, context.CreateLogger("PgArk.Backup"));
        return runner.RunAsync(new BackupTarget(server.Name, server.Connection, server.PgData, context.Options.LockPath),
            new BackupOptions(input.Type, input.Label, input.Jobs, input.ArchiveTimeout, ChecksumAll: input.ChecksumAll), progress, cancellationToken);
    }
}
