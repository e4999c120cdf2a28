using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Logical;
using PgArk.Core.Retention;

using PgArk.Core.Operations.Runs;

namespace PgArk.Core.Operations;

/// <param name="BackupId">A physical backup id (20261121-103000F) or a dump id (20261121-103000L).</param>
public sealed record DeleteBackupInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input("A physical backup id (20261121-103000F) or a dump id (20261121-103000L).", Aliases = ["--backup"])] string BackupId,
    [property: Input(InputText.Confirm, Aliases = ["--yes", "-y"])] bool Confirm = false) : IServerInput, IConfirmedInput;

/// <param name="Kind">"physical" or "dump".</param>
/// <param name="Database">The dumped database (dumps only).</param>
/// <param name="FreedBytes">Bytes the backup occupied in the repository.</param>
public sealed record DeleteBackupResult(string Server, string BackupId, string Kind, string? Database, long FreedBytes);

/// <summary>
/// Deletes one backup or dump by id (confirmation required), holding the server's lock for that kind so no backup, dump
/// or expire runs meanwhile. A physical backup that others depend on (as parent, reference or delta base) is refused:
/// deleting it would break them. The manifest goes first, so the backup is never listed with files missing. Archived WAL
/// is left to <c>expire</c>.
/// </summary>
public sealed class DeleteBackupOperation : Operation<DeleteBackupInput, DeleteBackupResult>
{
    public override string Name => "delete_backup";
    public override string Description => "Delete one backup or logical dump by id (a physical backup that others depend on is refused).";
    public override OperationRole Role => OperationRole.Admin;
    public override bool Destructive => true;
    public override OperationRoute Route => new("DELETE", "/api/servers/{server}/backups/{backup_id}", "Delete one backup or dump by id (admin; confirm=true)");

    public override RunFacts Facts(DeleteBackupInput input, DeleteBackupResult? result) =>
        RunFacts.Of(input) with { BackupId = input.BackupId, Database = result?.Database, SizeBytes = result?.FreedBytes };

    protected override async Task<DeleteBackupResult> ExecuteAsync(OperationContext context, DeleteBackupInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var repository = context.PrimaryRepositoryFor(server);
        if (DumpId.TryParse(input.BackupId, out var dumpId))
        {
            var catalog = new DumpCatalog(repository);
            var dump = await catalog.ReadAsync(server.Name, dumpId, cancellationToken).ConfigureAwait(false);
            Confirm(input, $"deleting dump '{dumpId}' of database '{dump.Database}' cannot be undone");
            var dumpLock = await DumpLock.AcquireAsync(context.Options.LockPath, server.Name, cancellationToken).ConfigureAwait(false);
            await using var dumpLockScope = dumpLock.ConfigureAwait(false);
            await catalog.DeleteAsync(server.Name, dumpId, cancellationToken).ConfigureAwait(false);
            return new DeleteBackupResult(server.Name, dumpId.Value, "dump", dump.Database, dump.StoredSize);
        }

        var id = BackupId.Parse(input.BackupId);
        var backupLock = await ServerLock.AcquireAsync(context.Options.LockPath, server.Name, "backup", cancellationToken).ConfigureAwait(false);
        await using var backupLockScope = backupLock.ConfigureAwait(false);
        var backups = await repository.ListBackupsAsync(server.Name, cancellationToken).ConfigureAwait(false);
        var target = backups.FirstOrDefault(b => b.Id == id.Value)
            ?? throw new NotFoundException($"backup '{id}' of server '{server.Name}' not found in repository '{repository.Name}'",
                "see 'pgark info' for the backups and dumps");
        var dependents = backups.Where(b => b.Id != target.Id && RetentionPlanner.Dependencies(b).Contains(target.Id)).Select(b => b.Id).ToList();
        if (dependents.Count > 0)
        {
            throw new RefusedException($"backup '{id}' is needed by {string.Join(", ", dependents)}",
                "delete those first, or let 'pgark expire' remove whole chains");
        }
        Confirm(input, $"deleting backup '{id}' of server '{server.Name}' cannot be undone");
        await repository.DeleteBackupAsync(server.Name, id, cancellationToken).ConfigureAwait(false);
        return new DeleteBackupResult(server.Name, id.Value, "physical", null, target.StoredSize);
    }

    private static void Confirm(DeleteBackupInput input, string what)
    {
        if (!input.Confirm)
        {
            throw new RefusedException(what, "add --yes to confirm");
        }
    }
}
