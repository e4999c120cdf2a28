using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Logical;

using PgArk.Core.Operations.Runs;

namespace PgArk.Core.Operations;

public sealed record DeleteDumpInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input("Id of the dump to delete.")] string Dump,
    [property: Input(InputText.Confirm, Aliases = ["--yes", "-y"])] bool Confirm = false) : IServerInput, IConfirmedInput;

public sealed record DeleteDumpResult(string Server, string Dump, string Database);

/// <summary>Deletes one dump from the repository (confirmation required).</summary>
public sealed class DeleteDumpOperation : Operation<DeleteDumpInput, DeleteDumpResult>
{
    public override string Name => "delete_dump";
    public override string Description => "Delete a logical dump from the repository.";
    public override OperationRole Role => OperationRole.Admin;
    public override bool Destructive => true;
    public override OperationRoute Route => new("DELETE", "/api/servers/{server}/dumps/{dump}", "Delete a logical dump (admin; confirm=true)");

    public override RunFacts Facts(DeleteDumpInput input, DeleteDumpResult? result) =>
        RunFacts.Of(input) with { BackupId = input.Dump, Database = result?.Database };

    protected override async Task<DeleteDumpResult> ExecuteAsync(OperationContext context, DeleteDumpInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var catalog = new DumpCatalog(context.PrimaryRepositoryFor(server));
        var id = DumpId.Parse(input.Dump);
        var manifest = await catalog.ReadAsync(server.Name, id, cancellationToken).ConfigureAwait(false);
        if (!input.Confirm)
        {
            throw new RefusedException($"deleting dump '{id}' of database '{manifest.Database}' cannot be undone", "add --yes to confirm");
        }
        var dumpLock = await DumpLock.AcquireAsync(context.Options.LockPath, server.Name, cancellationToken).ConfigureAwait(false);
        await using var dumpLockScope = dumpLock.ConfigureAwait(false);
        await catalog.DeleteAsync(server.Name, id, cancellationToken).ConfigureAwait(false);
        return new DeleteDumpResult(server.Name, id.Value, manifest.Database);
    }
}
