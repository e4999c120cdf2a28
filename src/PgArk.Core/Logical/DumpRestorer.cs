using System.Globalization;
using Microsoft.Extensions.Logging;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;

namespace PgArk.Core.Logical;

public sealed record DumpRestoreRequest(string TargetDatabase, bool Create = false, bool Confirmed = false, IReadOnlyList<string>? Tables = null,
    int Jobs = 0);

/// <summary>Rows of one table after a restore, next to what the dump's manifest recorded.</summary>
public sealed record RowCountCheck(string Table, long Expected, long Actual)
{
    public bool Matches => Expected == Actual;
}

public sealed record DumpRestoreResult(string DumpId, string SourceDatabase, string TargetDatabase, bool CreatedDatabase, IReadOnlyList<RowCountCheck> RowCounts,
    double DurationSeconds);

/// <summary>
/// Restores a dump with pg_restore: the whole database (into a new or recreated database) or chosen tables. With one
/// job the archive streams from the repository into pg_restore's stdin; with --jobs (pg_restore -j needs a seekable
/// file) or a directory-format dump it is first written, checked, to a scratch folder under $TMPDIR.
/// </summary>
public sealed class DumpRestorer(ServerOptions server, DumpCatalog catalog, ILogger logger)
{
    public async Task<DumpRestoreResult> RunAsync(DumpManifest manifest, DumpRestoreRequest request, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var client = new PgClient(server);
        var target = request.TargetDatabase;
        var tables = (request.Tables ?? []).Select(t => FindInDump(manifest, t)).Distinct().ToList();
        var exists = await client.DatabaseExistsAsync(target, cancellationToken).ConfigureAwait(false);
        var created = false;
        if (request.Create)
        {
            if (!request.Confirmed)
            {
                throw new RefusedException(
                    exists ? $"--create drops database '{target}' on server '{server.Name}' and recreates it from dump '{manifest.Id}'"
                        : $"--create creates database '{target}' on server '{server.Name}' from dump '{manifest.Id}'",
                    "add --yes to confirm");
            }
            if (exists)
            {
                logger.LogInformation("dropping database {Database}", target);
                await client.ExecuteMaintenanceAsync($"DROP DATABASE {PgClient.QuoteIdentifier(target)} WITH (FORCE)", cancellationToken).ConfigureAwait(false);
            }
            exists = false;
        }
        else if (exists && tables.Count == 0)
        {
            throw new RefusedException($"database '{target}' already exists on server '{server.Name}'; a whole-database restore needs a new or empty one",
                "add --create --yes to drop and recreate it, --into NAME to restore into another database, or --table to restore chosen tables");
        }
        if (!exists)
        {
            await client.ExecuteMaintenanceAsync($"CREATE DATABASE {PgClient.QuoteIdentifier(target)} TEMPLATE template0", cancellationToken).ConfigureAwait(false);
            created = true;
        }

        var pgRestore = client.Program("pg_restore", manifest.PgVersionNum / 10000);
        var common = new List<string> { "--dbname", client.ConnInfo(target), "--no-password", "--exit-on-error" };
        var passes = new List<List<string>>();
        if (tables.Count == 0)
        {
            passes.Add([]);
        }
        else
        {
            var present = await ExistingTablesAsync(client, target, tables, cancellationToken).ConfigureAwait(false);
            if (present.Count > 0)
            {
                if (!request.Confirmed)
                {
                    throw new RefusedException(
                        $"restoring {string.Join(", ", present)} replaces the rows of {(present.Count == 1 ? "that table" : "those tables")} in database '{target}'",
                        "add --yes to confirm");
                }
                // Existing tables keep their definition, indexes and dependants: empty them and load the dump's rows.
                var connection = await client.OpenAsync(target, cancellationToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    var truncate = new Npgsql.NpgsqlCommand($"TRUNCATE {string.Join(", ", present.Select(t => t.Quoted))}", connection);
                    await using (truncate.ConfigureAwait(false))
                    {
                        await truncate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
                passes.AddRange(TablePasses(present, ["--data-only"]));
            }
            passes.AddRange(TablePasses(tables.Except(present).ToList(), []));
        }

        var jobs = Math.Max(1, request.Jobs);
        if (jobs > 1 || manifest.DumpFormat == DumpFormat.Directory || passes.Count > 1)
        {
            var scratch = DumpFileStore.CreateScratchFolder("restore");
            try
            {
                progress?.Report(new OperationProgress("fetch", 0, manifest.Size));
                var archive = await DumpFileStore.MaterializeAsync(catalog, manifest, Path.Combine(scratch, "archive"), cancellationToken).ConfigureAwait(false);
                foreach (var pass in passes)
                {
                    progress?.Report(new OperationProgress("restore", 0, manifest.Size));
                    var jobArguments = jobs > 1 ? new[] { "--jobs", jobs.ToString(CultureInfo.InvariantCulture) } : [];
                    await client.RunAsync(pgRestore, [.. common, .. jobArguments, .. pass, archive], cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                DumpFileStore.DeleteScratchFolder(scratch);
            }
        }
        else
        {
            progress?.Report(new OperationProgress("restore", 0, manifest.Size));
            await RestoreFromStdinAsync(client, pgRestore, [.. common, .. passes[0]], manifest, cancellationToken).ConfigureAwait(false);
        }

        var checks = await CountAsync(client, target, manifest, tables, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("restored dump {Id} into {Database} in {Seconds:0.00} s", manifest.Id, target, watch.Elapsed.TotalSeconds);
        return new DumpRestoreResult(manifest.Id, manifest.Database, target, created, checks, Math.Round(watch.Elapsed.TotalSeconds, 3));
    }

    /// <summary>A table named with --table, as recorded in the dump (schema.table or an unambiguous table name).</summary>
    public static TableName FindInDump(DumpManifest manifest, string given)
    {
        var names = manifest.Tables.Select(t => new TableName(t.Schema, t.Name)).ToList();
        try
        {
            return SchemaCatalog.Resolve(names, given, manifest.Database);
        }
        catch (NotFoundException)
        {
            throw new NotFoundException($"table '{given}' is not in dump '{manifest.Id}' of database '{manifest.Database}'",
                "see 'pgark dumps --server S --output json' for the tables of each dump");
        }
    }

    /// <summary>Exact row counts in the restored database for the tables restored, next to the manifest's.</summary>
    public static async Task<IReadOnlyList<RowCountCheck>> CountAsync(PgClient client, string database, DumpManifest manifest, IReadOnlyList<TableName> only,
        CancellationToken cancellationToken)
    {
        var result = new List<RowCountCheck>();
        var connection = await client.OpenAsync(database, cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var existing = (await SchemaCatalog.ListTablesAsync(connection, cancellationToken).ConfigureAwait(false)).Select(t => t.Table).ToHashSet();
        foreach (var table in manifest.Tables)
        {
            var name = new TableName(table.Schema, table.Name);
            if (only.Count > 0 && !only.Contains(name))
            {
                continue;
            }
            var actual = existing.Contains(name) ? await SchemaCatalog.CountRowsAsync(connection, name, cancellationToken).ConfigureAwait(false) : -1;
            result.Add(new RowCountCheck(name.ToString(), table.Rows ?? 0, actual));
        }
        return result;
    }

    private static async Task<List<TableName>> ExistingTablesAsync(PgClient client, string database, IReadOnlyList<TableName> tables, CancellationToken cancellationToken)
    {
        var connection = await client.OpenAsync(database, cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var existing = (await SchemaCatalog.ListTablesAsync(connection, cancellationToken).ConfigureAwait(false)).Select(t => t.Table).ToHashSet();
        return tables.Where(existing.Contains).ToList();
    }

    // pg_restore's -t matches a bare table name; -n narrows it to a schema. One pass per schema keeps the match exact.
    private static IEnumerable<List<string>> TablePasses(IReadOnlyList<TableName> tables, IReadOnlyList<string> extra) =>
        tables.GroupBy(t => t.Schema).Select(g => extra.Concat(["--schema", g.Key]).Concat(g.SelectMany(t => new[] { "--table", t.Name })).ToList());

    private async Task RestoreFromStdinAsync(PgClient client, string pgRestore, List<string> arguments, DumpManifest manifest,
        CancellationToken cancellationToken)
    {
        using var process = client.Start(pgRestore, arguments, redirectInput: true, redirectOutput: true);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        Exception? feedError = null;
        try
        {
            var input = process.StandardInput.BaseStream;
            await DumpFileStore.CopyVerifiedAsync(catalog, manifest, manifest.Files[0], input, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            // pg_restore stopped reading (it failed): its own message says why.
            feedError = ex;
        }
        finally
        {
            try
            {
                process.StandardInput.Close();
            }
            catch (IOException)
            {
            }
        }
        await PgClient.WaitAsync(process, cancellationToken).ConfigureAwait(false);
        var error = await stderr.ConfigureAwait(false);
        await stdout.ConfigureAwait(false);
        if (process.ExitCode != 0 || feedError is not null)
        {
            throw new OperationFailedException($"pg_restore failed with exit code {process.ExitCode}: {(error.Trim().Length > 0 ? error.Trim() : feedError?.Message)}");
        }
    }
}
