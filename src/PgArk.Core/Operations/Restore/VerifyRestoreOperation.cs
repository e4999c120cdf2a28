using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Verification;

using PgArk.Core.Operations.Runs;

namespace PgArk.Core.Operations;

/// <summary>
/// What <c>verify_restore</c> takes on every front end. The sandbox folder is the command line's only: through REST and
/// MCP the sandbox goes in the default place, so a network caller chooses no path on this host.
/// </summary>
public sealed record VerifyRestoreInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input("Backup to test (default: the newest).", Aliases = ["--backup"])] string? BackupId = null,
    [property: Input("Folder the temporary sandbox is created in (default: the system temp folder). Command line only: refused "
        + "for API callers, who may not choose where PgArk creates a cluster.", LocalOnly = true)] string? SandboxDir = null)
    : IServerInput;

/// <summary>
/// Test restore of a backup into a sandbox cluster with the server's configured checks (servers[].verify). Passing
/// returns the record; a failed check throws <see cref="IntegrityException"/> naming every failed check (exit 5). The record
/// is stored in the repository's history either way.
/// </summary>
public sealed class VerifyRestoreOperation : Operation<VerifyRestoreInput, VerifyRestoreRecord>
{
    public override string Name => "verify_restore";
    public override string Description => "Restore a backup into a sandbox cluster, start it, run amcheck and the configured checks, record the RTO.";
    public override OperationRole Role => OperationRole.Operator;
    public override bool LongRunning => true;
    public override OperationRoute Route => new("POST", "/api/servers/{server}/verify-restore", "Test-restore a backup into a sandbox cluster and check it");

    public override RunFacts Facts(VerifyRestoreInput input, VerifyRestoreRecord? result) =>
        RunFacts.Of(input) with { BackupId = result?.BackupId ?? input.BackupId };

    public override OperationVerdict Verdict(VerifyRestoreRecord result) => OperationVerdict.FailIf(result.Passed ? null
        : result.Error ?? "checks failed: " + string.Join("; ", result.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}")));

    protected override async Task<VerifyRestoreRecord> ExecuteAsync(OperationContext context, VerifyRestoreInput input,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var verifier = new RestoreVerifier(context.PrimaryRepositoryFor(server), context.CreateLogger("PgArk.Verification"));
        var record = await verifier.RunAsync(server, input.BackupId, context.ArchiveGetCommand(server.Name), input.SandboxDir, progress,
            cancellationToken).ConfigureAwait(false);
        if (record.Error is not null)
        {
            throw new OperationFailedException($"verify-restore of backup {record.BackupId} of server '{server.Name}' failed: {record.Error}");
        }
        var failed = record.Checks.Where(c => !c.Passed).ToList();
        if (failed.Count > 0)
        {
            throw new IntegrityException(
                $"verify-restore of backup {record.BackupId} of server '{server.Name}': {failed.Count} of {record.Checks.Count} checks failed: "
                + string.Join("; ", failed.Select(c => $"{c.Name} ({c.Detail})")));
        }
        return record;
    }
}
