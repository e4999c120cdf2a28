using PgArk.Core.Common;
using PgArk.Core.Verification;

namespace PgArk.Core.Operations;

public sealed record VerifyInput(string Server, string? BackupId = null, int Jobs = 0);

/// <summary>Checksums and chains of everything in the repository for a server (exit 5 when anything is wrong).</summary>
public sealed class VerifyOperation : Operation<VerifyInput, VerifyReport>
{
    public override string Name => "verify";
    public override string Description => "Read back every stored file and WAL segment of a server and check checksums, backup chains and WAL continuity.";
    public override OperationRole Role => OperationRole.Operator;
    public override bool LongRunning => true;

    protected override Task<VerifyReport> ExecuteAsync(OperationContext context, VerifyInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var verifier = new RepositoryVerifier(context.PrimaryRepositoryFor(server), server.Name);
        return verifier.VerifyAsync(input.BackupId, input.Jobs > 0 ? input.Jobs : Environment.ProcessorCount, progress, cancellationToken);
    }
}
