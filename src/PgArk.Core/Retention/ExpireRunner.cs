using Microsoft.Extensions.Logging;
using PgArk.Core.Catalog;
using PgArk.Core.Configuration;

namespace PgArk.Core.Retention;

/// <summary>
/// Applies retention to one server in one repository: reads the catalog, plans with <see cref="RetentionPlanner"/>, and
/// (unless a dry run) removes what the plan says, holding the server's backup lock so no backup runs meanwhile.
/// </summary>
internal sealed class ExpireRunner(Repository repository, ILogger logger)
{
    public async Task<ExpirePlan> RunAsync(string server, RetentionOptions options, string lockFolder, bool dryRun, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (dryRun)
        {
            return RetentionPlanner.Plan(await ReadCatalogAsync(server, cancellationToken).ConfigureAwait(false), options, now);
        }
        var serverLock = await ServerLock.AcquireAsync(lockFolder, server, "backup", cancellationToken).ConfigureAwait(false);
        await using var lockScope = serverLock.ConfigureAwait(false);
        // Planned under the lock: the catalog cannot change until the removal is done.
        var plan = RetentionPlanner.Plan(await ReadCatalogAsync(server, cancellationToken).ConfigureAwait(false), options, now);

        // Newest first: a dependent goes before what it depends on, so an interruption never leaves a listed backup whose
        // parent is gone.
        foreach (var backup in plan.Backups.OrderByDescending(b => b.Id, StringComparer.Ordinal))
        {
            var id = BackupId.Parse(backup.Id);
            Log.ExpiringBackup(logger, backup.Id, server, backup.Reason);
            await repository.DeleteBackupAsync(server, id, cancellationToken).ConfigureAwait(false);
        }
        if (plan.Backups.Count > 0)
        {
            // Only a removal needs the listing folder synced; a server with dumps only has no backups folder at all.
            await repository.Storage.SyncFolderAsync(RepositoryLayout.BackupsFolder(server), cancellationToken).ConfigureAwait(false);
        }

        // Oldest first, so the archive stays one contiguous range if interrupted.
        foreach (var file in plan.WalFiles)
        {
            await repository.Storage.DeleteAsync(file.Path, cancellationToken).ConfigureAwait(false);
        }
        if (plan.WalFiles.Count > 0)
        {
            Log.ExpiredWal(logger, plan.WalFiles.Count, server, plan.WalBytes);
        }
        return plan;
    }

    /// <summary>The complete backups and every archived WAL file of a server.</summary>
    public async Task<RetentionCatalog> ReadCatalogAsync(string server, CancellationToken cancellationToken)
    {
        var record = await repository.RequireServerRecordAsync(server, cancellationToken).ConfigureAwait(false);
        var backups = await repository.ListBackupsAsync(server, cancellationToken).ConfigureAwait(false);
        var wal = new List<RetentionWalFile>();
        await foreach (var file in repository.ListWalAsync(server, cancellationToken).ConfigureAwait(false))
        {
            wal.Add(new RetentionWalFile(file.Name, file.Entry.Path, file.Entry.Size, file.Entry.ModifiedAt));
        }
        return new RetentionCatalog(backups, wal, record.WalSegmentSize);
    }
}
