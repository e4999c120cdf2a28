using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Logical;
using PgArk.Core.Postgres;
using PgArk.Core.Wal;

namespace PgArk.Core.Restore;

/// <summary>
/// Database-level point-in-time restore: WAL is cluster-wide, so the server's backup is restored into a sandbox, recovered
/// to the target and promoted; then that one database is copied (pg_dump | pg_restore) into a new database on the live
/// server and swapped in under its name. Other databases are never touched. The sandbox is always stopped and deleted,
/// and on failure the half-restored copy is dropped, leaving the live database as it was.
/// </summary>
internal sealed partial class DatabaseRestoreRunner(ServerOptions server, Repository repository, ILogger logger)
{
    public static readonly TimeSpan RecoveryTimeout = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan s_sealTimeout = TimeSpan.FromSeconds(60);

    private readonly PgClient _live = new(server);

    /// <summary>
    /// Test seam (internal, never set by PgArk itself): runs on the copy's name after the move and before its content is
    /// compared with the sandbox's, so a test can make the copy differ and see the comparison catch it.
    /// </summary>
    internal Func<string, CancellationToken, Task>? AfterMoveForTesting { get; init; }

    /// <summary>
    /// Seals the live server's current WAL (a commit, then a WAL switch, waiting until the segment is archived) so every
    /// moment up to now is reachable, then plans from what the repository holds.
    /// </summary>
    public async Task<DatabaseRestorePlan> PlanAsync(DatabaseRestoreRequest request, CancellationToken cancellationToken)
    {
        await SealWalAsync(cancellationToken).ConfigureAwait(false);
        var record = await repository.RequireServerRecordAsync(server.Name, cancellationToken).ConfigureAwait(false);
        var backups = await repository.ListBackupsAsync(server.Name, cancellationToken).ConfigureAwait(false);
        var wal = new List<(WalFileName, DateTimeOffset)>();
        await foreach (var file in repository.ListWalAsync(server.Name, cancellationToken).ConfigureAwait(false))
        {
            wal.Add((file.Name, file.Entry.ModifiedAt));
        }
        var liveExists = await _live.DatabaseExistsAsync(request.Database, cancellationToken).ConfigureAwait(false);
        if (request.Into is not null && await _live.DatabaseExistsAsync(request.Into, cancellationToken).ConfigureAwait(false))
        {
            throw new RefusedException($"database '{request.Into}' already exists on server '{server.Name}'", "choose another --into name or drop it first");
        }
        var state = new RepositoryState(backups, wal, record.WalSegmentSize, $"repository '{repository.Name}' ({repository.Storage.Location})");
        return DatabaseRestorePlanner.Plan(server.Name, request, state, liveExists, DatabaseNames.Stamp(DateTimeOffset.UtcNow));
    }

    /// <param name="jobs">Parallel pg_dump/pg_restore jobs for the move (0: one per core, at most 8).</param>
    public async Task<DatabaseRestoreResult> RunAsync(DatabaseRestorePlan plan, string archiveGetCommand, string? sandboxParent, int jobs,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var phases = new List<PhaseTiming>();
        var phase = Stopwatch.StartNew();
        void EndPhase(string name)
        {
            phases.Add(new PhaseTiming(name, Math.Round(phase.Elapsed.TotalSeconds, 3)));
            phase.Restart();
        }

        var manifest = await repository.ReadManifestAsync(server.Name, BackupId.Parse(plan.Backup.Id), cancellationToken).ConfigureAwait(false);
        var installation = PgInstallation.Find(server.PgBin, manifest.PgVersionNum / 10000);
        var mover = new DatabaseMover(_live, installation.Program("pg_dump"), installation.Program("pg_restore"), logger);
        var prefix = $"pgark-dbrestore-{server.Name}";
        await SandboxJanitor.RemoveAbandonedAsync(sandboxParent, prefix, installation, logger, cancellationToken).ConfigureAwait(false);
        var sandbox = RestoreSandbox.Create(sandboxParent, prefix, logger);
        SandboxJanitor.Claim(sandbox.Root);
        logger.LogInformation("restore of database '{Database}' of server '{Server}' to {Target} in sandbox {Root}", plan.Database, server.Name,
            plan.Target, sandbox.Root);
        string? copy = null;
        DatabaseRestoreResult result;
        try
        {
            var reached = await RestoreInSandboxAsync(sandbox, manifest, installation, plan, archiveGetCommand, progress, EndPhase, cancellationToken)
                .ConfigureAwait(false);

            progress?.Report(new OperationProgress("move", 0, 0));
            var copyName = DatabaseNames.Restoring(plan.Into, plan.Stamp);
            if (await _live.DatabaseExistsAsync(copyName, cancellationToken).ConfigureAwait(false))
            {
                throw new RefusedException($"database '{copyName}' already exists on server '{server.Name}'",
                    "another restore of this database may be running; wait for it, or drop the leftover copy");
            }
            // From here on a failure drops the copy; never before, or it could drop another restore's copy.
            copy = copyName;
            var expected = await CopyIntoLiveAsync(sandbox, mover, plan, copy, jobs > 0 ? jobs : Math.Clamp(Environment.ProcessorCount, 1, 8),
                cancellationToken).ConfigureAwait(false);
            EndPhase("dump/restore move");
            if (AfterMoveForTesting is { } afterMove)
            {
                await afterMove(copy, cancellationToken).ConfigureAwait(false);
            }

            // Every row, not only how many: a hash of each row's text summed per table by the server on both sides.
            progress?.Report(new OperationProgress("compare rows", 0, 0));
            var restored = await FingerprintAsync(copy, cancellationToken).ConfigureAwait(false);
            var differences = TableContent.Differences(expected, restored);
            if (differences.Count > 0)
            {
                throw new IntegrityException($"the restored copy differs from the sandbox's database at the target in {differences.Count} " +
                    $"table(s): {string.Join("; ", differences)}; the copy was dropped and database '{plan.Into}' was not changed");
            }
            var after = restored.Select(f => new TableRowCount(f.Table, f.Rows)).ToList();
            var moveInPlace = plan.Into == plan.Database && await _live.DatabaseExistsAsync(plan.Database, cancellationToken).ConfigureAwait(false);
            var before = moveInPlace ? await CountAsync(plan.Database, cancellationToken).ConfigureAwait(false) : [];
            EndPhase("compare rows");

            progress?.Report(new OperationProgress("swap", 0, 0));
            string? keptAs = null;
            var replaced = false;
            if (moveInPlace)
            {
                keptAs = DatabaseNames.BeforeRestore(plan.Database, plan.Stamp);
                await mover.SwapAsync(plan.Database, copy, keptAs, cancellationToken).ConfigureAwait(false);
                copy = null;
                if (plan.LiveDatabase.StartsWith("dropped", StringComparison.Ordinal))
                {
                    try
                    {
                        await mover.DropAsync(keptAs, cancellationToken).ConfigureAwait(false);
                        keptAs = null;
                        replaced = true;
                    }
                    catch (Exception ex) when (ex is PgArkException or NpgsqlException)
                    {
                        // The restore itself succeeded; the old copy stays and is reported as kept.
                        logger.LogWarning("restored, but unable to drop '{KeptAs}': {Message}", keptAs, ex.Message);
                    }
                }
            }
            else
            {
                await mover.RenameAsync(copy, plan.Into, cancellationToken).ConfigureAwait(false);
                copy = null;
            }
            EndPhase("swap");
            logger.LogInformation("database '{Database}' of server '{Server}' restored to {Target}", plan.Into, server.Name, plan.Target);
            result = new DatabaseRestoreResult(plan, false, reached.Time, reached.Lsn, keptAs, replaced, before, after, phases, 0);
        }
        catch (Exception) when (copy is not null)
        {
            await mover.DropQuietlyAsync(copy).ConfigureAwait(false);
            throw;
        }
        finally
        {
            phase.Restart();
            await sandbox.DisposeAsync().ConfigureAwait(false);
            EndPhase("cleanup");
        }
        return result with { Phases = phases, TotalSeconds = Math.Round(total.Elapsed.TotalSeconds, 3) };
    }

    /// <summary>
    /// Restores the plan's backup into <paramref name="sandbox"/>, starts it, replays WAL to the target and checks the point
    /// reached and that the plan's database existed there. Shared by the database- and table-level restores.
    /// </summary>
    internal async Task<(DateTimeOffset? Time, string? Lsn)> RestoreInSandboxAsync(RestoreSandbox sandbox, BackupManifest manifest,
        PgInstallation installation, DatabaseRestorePlan plan, string archiveGetCommand, IProgress<OperationProgress>? progress, Action<string> endPhase,
        CancellationToken cancellationToken)
    {
        progress?.Report(new OperationProgress("sandbox restore", 0, manifest.Size));
        var target = plan.TargetTime is { } time ? RestoreTarget.AtTime(time) : RestoreTarget.Latest;
        var restoreOptions = new RestoreOptions(sandbox.DataDirectory, target, archiveGetCommand, manifest.Id, TargetAction.Promote,
            sandbox.TablespaceMap(manifest));
        await new PhysicalRestoreRunner(repository, logger).RunAsync(server.Name, restoreOptions, progress, cancellationToken).ConfigureAwait(false);
        // The repository is untrusted input: the sandbox starts from PgArk's settings, never the backup's.
        await sandbox.WriteOwnConfigurationAsync(RecoverySettings.Build(restoreOptions, manifest.Id), cancellationToken).ConfigureAwait(false);
        endPhase("sandbox restore");

        progress?.Report(new OperationProgress("recovery", 0, 0));
        var reached = await RecoverAsync(sandbox, installation, plan, cancellationToken).ConfigureAwait(false);
        endPhase("recovery");
        return reached;
    }

    private async Task SealWalAsync(CancellationToken cancellationToken)
    {
        var session = await PostgresSession.OpenAsync(server.Name, server.Connection, cancellationToken).ConfigureAwait(false);
        await using var sessionScope = session.ConfigureAwait(false);
        if (await session.ScalarAsync<bool>("SELECT pg_is_in_recovery()", cancellationToken).ConfigureAwait(false))
        {
            return;
        }
        // A commit after any target up to now: recovery to a time stops only when it sees a later commit.
        await session.ExecuteAsync("SELECT txid_current()", cancellationToken).ConfigureAwait(false);
        var segment = await session.SwitchWalAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WalArchiveWaiter.WaitForSegmentsAsync(repository, server.Name, [segment], s_sealTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationFailedException ex)
        {
            logger.LogWarning("planning with the WAL archived so far: {Message}", ex.Message);
        }
    }
}
