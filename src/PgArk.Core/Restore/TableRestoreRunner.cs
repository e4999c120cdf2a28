using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Logical;
using PgArk.Core.Postgres;

namespace PgArk.Core.Restore;

/// <summary>
/// Table-level point-in-time restore. WAL is cluster-wide, so as for a database (<see cref="DatabaseRestoreRunner"/>) the
/// server's backup is recovered to the target in a sandbox; there the named tables are moved into a schema of their own
/// (indexes, constraints and owned sequences move with them), dumped, and restored in one transaction into that schema on
/// the live database, where every row is compared with the sandbox. Then, in one transaction, they are either renamed and
/// moved beside the live tables (--into) or swapped in for them (--replace: the foreign keys of other tables that reference
/// them are re-created against the restored rows, or the swap is refused naming them). Nothing else on the live server is
/// touched; the sandbox is always removed, the staging schema too on failure.
/// </summary>
internal sealed partial class TableRestoreRunner(ServerOptions server, Repository repository, ILogger logger)
{
    private const string StagingPrefix = "pgark_restore_";
    private static readonly TimeSpan s_lockTimeout = TimeSpan.FromSeconds(30);

    private readonly PgClient _live = new(server);

    public async Task<TableRestorePlan> PlanAsync(TableRestoreRequest request, CancellationToken cancellationToken)
    {
        TableRestorePlanner.Validate(request);
        var connection = await _live.OpenAsync(request.Database, cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var catalog = (await SchemaCatalog.ListTablesAsync(connection, cancellationToken).ConfigureAwait(false)).ToList();
        var live = new List<LiveTable>();
        foreach (var given in request.Tables)
        {
            TableName? found;
            try
            {
                found = SchemaCatalog.Resolve(catalog.Select(t => t.Table).ToList(), given, request.Database);
            }
            catch (NotFoundException)
            {
                found = null; // dropped since, perhaps: the sandbox's catalog at the target decides
            }
            if (found is not null && catalog.First(t => t.Table == found).Partitioned)
            {
                throw new UsageException($"table {found} is partitioned: restore-table moves ordinary tables only", "restore its partitions, or the database");
            }
            live.Add(new LiveTable(given, found, []));
        }
        if (request.Replace)
        {
            // Keys between the tables being replaced are replaced with them; only other tables' keys are moved.
            var keys = await DependentKeysAsync(connection, live.Where(t => t.Live is not null).Select(t => t.Live!).ToList(), inTransaction: false,
                cancellationToken)
                .ConfigureAwait(false);
            live = [.. live.Select(t => t with { DependentKeys = keys.Where(k => k.Referenced == t.Live).Select(k => k.Key).ToList() })];
        }

        var recovery = await new DatabaseRestoreRunner(server, repository, logger)
            .PlanAsync(new DatabaseRestoreRequest(request.Database, request.Target), cancellationToken).ConfigureAwait(false);
        var staging = StagingPrefix + recovery.Stamp + "_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3));
        var plan = TableRestorePlanner.Plan(recovery, request, live, staging);
        if (!plan.Replace)
        {
            foreach (var table in plan.Tables)
            {
                if (await ExistsAsync(connection, table.Schema, table.Into, cancellationToken).ConfigureAwait(false))
                {
                    throw new RefusedException($"relation {table.Schema}.{table.Into} already exists in database '{request.Database}' of server '{server.Name}'",
                        "choose another --into name, or drop it first");
                }
            }
        }
        return plan;
    }

    public async Task<TableRestoreResult> RunAsync(TableRestorePlan plan, string archiveGetCommand, string? sandboxParent,
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

        var database = plan.Recovery.Database;
        var manifest = await repository.ReadManifestAsync(server.Name, BackupId.Parse(plan.Recovery.Backup.Id), cancellationToken).ConfigureAwait(false);
        var installation = PgInstallation.Find(server.PgBin, manifest.PgVersionNum / 10000);
        var mover = new DatabaseMover(_live, installation.Program("pg_dump"), installation.Program("pg_restore"), logger);
        var prefix = $"pgark-tablerestore-{server.Name}";
        await SandboxJanitor.RemoveAbandonedAsync(sandboxParent, prefix, installation, logger, cancellationToken).ConfigureAwait(false);
        await RemoveAbandonedStagingAsync(database, cancellationToken).ConfigureAwait(false);
        var sandbox = RestoreSandbox.Create(sandboxParent, prefix, logger);
        SandboxJanitor.Claim(sandbox.Root);
        logger.LogInformation("restore of {Tables} in database '{Database}' of server '{Server}' to {Target} in sandbox {Root}",
            string.Join(", ", plan.Tables.Select(t => t.Given)), database, server.Name, plan.Recovery.Target, sandbox.Root);
        var staged = false;
        TableRestoreResult result;
        try
        {
            var reached = await new DatabaseRestoreRunner(server, repository, logger)
                .RestoreInSandboxAsync(sandbox, manifest, installation, plan.Recovery, archiveGetCommand, progress, EndPhase, cancellationToken)
                .ConfigureAwait(false);

            progress?.Report(new OperationProgress("check tables", 0, 0));
            var cluster = sandbox.Cluster!;
            IReadOnlyList<PlannedTable> tables;
            IReadOnlyList<TableFingerprint> expected;
            var source = await DatabaseRestoreRunner.OpenSandboxAsync(cluster, database, cancellationToken).ConfigureAwait(false);
            await using (source.ConfigureAwait(false))
            {
                tables = await ResolveAtTargetAsync(source, plan, reached.Time, cancellationToken).ConfigureAwait(false);
                expected = await TableContent.FingerprintAsync(source, tables.Select(t => new TableName(t.Schema, t.Name)), cancellationToken).ConfigureAwait(false);
                await StageInSandboxAsync(source, plan.StagingSchema, tables, cancellationToken).ConfigureAwait(false);
            }
            EndPhase("check tables");

            progress?.Report(new OperationProgress("move", 0, 0));
            var connection = await _live.OpenAsync(database, cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                if (await SchemaExistsAsync(connection, plan.StagingSchema, cancellationToken).ConfigureAwait(false))
                {
                    throw new RefusedException($"schema '{plan.StagingSchema}' already exists in database '{database}' of server '{server.Name}'",
                        "another restore-table may be running; wait for it, or drop the leftover schema");
                }
                // From here on a failure drops the staging schema; never before, or it could drop another restore's.
                staged = true;
                await mover.CopyAsync(DatabaseRestoreRunner.SandboxConnInfo(cluster, database), database, cancellationToken,
                    [$"--schema={plan.StagingSchema}"], ["--single-transaction"]).ConfigureAwait(false);
                EndPhase("dump/restore move");

                progress?.Report(new OperationProgress("compare rows", 0, 0));
                var restored = await TableContent.FingerprintAsync(connection, tables.Select(t => new TableName(plan.StagingSchema, t.Name)), cancellationToken)
                    .ConfigureAwait(false);
                // Staged under another schema: compared by position, each under the name it has at the target.
                var differences = TableContent.Differences(expected, expected.Zip(restored, (want, got) => got with { Table = want.Table }).ToList());
                if (differences.Count > 0)
                {
                    throw new IntegrityException($"the restored tables differ from the sandbox's at the target: {string.Join("; ", differences)}");
                }
                EndPhase("compare rows");

                progress?.Report(new OperationProgress("swap", 0, 0));
                var moved = plan.Replace
                    ? await SwapInAsync(connection, plan.StagingSchema, tables, cancellationToken).ConfigureAwait(false)
                    : await MoveBesideAsync(connection, plan.StagingSchema, tables, cancellationToken).ConfigureAwait(false);
                staged = false;
                EndPhase("swap");
                var final = expected.Zip(tables, (f, t) => f with { Table = $"{t.Schema}.{t.Into}" }).ToList();
                logger.LogInformation("{Tables} of database '{Database}' of server '{Server}' restored to {Target}",
                    string.Join(", ", final.Select(f => f.Table)), database, server.Name, plan.Recovery.Target);
                result = new TableRestoreResult(plan with { Tables = tables }, false, reached.Time, reached.Lsn, final, moved, phases, 0);
            }
        }
        catch (Exception) when (staged)
        {
            await DropStagingQuietlyAsync(database, plan.StagingSchema).ConfigureAwait(false);
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
    /// Finds each table in the sandbox's catalog, i.e. as the database was at the target. A table that did not exist then is
    /// refused, naming the latest reachable point (where a table that exists now is known to exist).
    /// </summary>
    private async Task<IReadOnlyList<PlannedTable>> ResolveAtTargetAsync(NpgsqlConnection source, TableRestorePlan plan, DateTimeOffset? reached,
        CancellationToken cancellationToken)
    {
        var catalog = await SchemaCatalog.ListTablesAsync(source, cancellationToken).ConfigureAwait(false);
        var names = catalog.Select(t => t.Table).ToList();
        var recovery = plan.Recovery;
        var resolved = new List<PlannedTable>();
        foreach (var table in plan.Tables)
        {
            TableName atTarget;
            try
            {
                atTarget = SchemaCatalog.Resolve(names, table.Given, recovery.Database);
            }
            catch (NotFoundException)
            {
                var stopped = reached is { } time ? $", recovery stopped at the commit of {DatabaseRestorePlanner.Format(time)}" : "";
                throw new RefusedException(
                    $"table '{table.Given}' did not exist in database '{recovery.Database}' of server '{server.Name}' at {recovery.Target}{stopped}; " +
                    $"the latest reachable point is {DatabaseRestorePlanner.Format(recovery.WindowTo)}",
                    table.LiveExists
                        ? $"it exists now, so it was created after the target: use --target-time {DatabaseRestorePlanner.Iso(recovery.WindowTo)} or --target latest"
                        : "check the name (schema.table), or choose a target at which the table existed");
            }
            if (catalog.First(t => t.Table == atTarget).Partitioned)
            {
                throw new UsageException($"table {atTarget} was partitioned at the target: restore-table moves ordinary tables only");
            }
            if (table.LiveExists && (atTarget.Schema != table.Schema || atTarget.Name != table.Name))
            {
                throw new UsageException($"'{table.Given}' is {table.Schema}.{table.Name} on the live server but was {atTarget} at the target",
                    "qualify the table with its schema");
            }
            var into = plan.Replace ? atTarget.Name : plan.NameStamp is { } stamp ? TableRestorePlanner.RestoredName(atTarget.Name, stamp) : table.Into;
            resolved.Add(table with { Schema = atTarget.Schema, Name = atTarget.Name, Into = into });
        }
        if (resolved.Select(t => (t.Schema, t.Name)).Distinct().Count() != resolved.Count)
        {
            throw new UsageException("two of the names given are the same table");
        }
        return resolved;
    }

    private async Task DropStagingQuietlyAsync(string database, string schema)
    {
        try
        {
            var connection = await _live.OpenAsync(database, CancellationToken.None).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            await ExecuteAsync(connection, $"DROP SCHEMA IF EXISTS {PgClient.QuoteIdentifier(schema)} CASCADE", CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PgArkException or NpgsqlException)
        {
            logger.LogWarning("unable to drop the staging schema '{Schema}' of database '{Database}': {Message}; drop it by hand", schema, database, ex.Message);
        }
    }
}
