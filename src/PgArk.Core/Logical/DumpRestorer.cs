using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;

namespace PgArk.Core.Logical;

/// <param name="Scratch">
/// The target is a <see cref="ScratchCluster"/>: the dump's owners and tablespace assignments are skipped (objects belong
/// to the unprivileged restore role; it has no tablespace).
/// </param>
internal sealed record DumpRestoreRequest(string TargetDatabase, bool Create = false, bool Confirmed = false, IReadOnlyList<string>? Tables = null,
    int Jobs = 0, bool Scratch = false);

/// <summary>Rows of one table after a restore, next to what the dump's manifest recorded.</summary>
public sealed record RowCountCheck(string Table, long Expected, long Actual)
{
    public bool Matches => Expected == Actual;
}

public sealed record DumpRestoreResult(string DumpId, string SourceDatabase, string TargetDatabase, bool CreatedDatabase, IReadOnlyList<RowCountCheck> RowCounts,
    double DurationSeconds)
{
    /// <summary>Objects of a table-level restore left out, with why (foreign keys to tables the target does not have).</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];

    /// <summary>alembic_version after a whole-database restore (null: no such table, or a table-level or schema-only restore).</summary>
    public string? AlembicRevision { get; init; }

    /// <summary>What the dump recorded; compared with <see cref="AlembicRevision"/> after a whole-database restore with data.</summary>
    public string? ExpectedAlembicRevision { get; init; }

    public bool AlembicMatches => AlembicRevision == ExpectedAlembicRevision;
}

/// <summary>
/// Restores a dump with pg_restore: the whole database (into a new or recreated database) or chosen tables. With one
/// job the archive streams from the repository into pg_restore's stdin; a directory-format dump is restored through
/// named pipes (<see cref="FifoArchive"/>), also with --jobs; a custom dump with --jobs (pg_restore -j needs a seekable
/// file) or a table restore (read three times: list, schema script, restore) is first written, checked, to a scratch
/// folder under $TMPDIR. A table restore creates tables the target lacks with everything
/// attached to them (<see cref="TableRestoreList"/>), and replaces the rows of tables it has in one transaction.
/// </summary>
internal sealed class DumpRestorer(ServerOptions server, DumpCatalog catalog, ILogger logger)
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
        if (request.Scratch)
        {
            common.AddRange(["--no-owner", "--no-tablespaces"]);
        }
        IReadOnlyList<string> skipped = [];
        var jobs = Math.Max(1, request.Jobs);
        var jobArguments = jobs > 1 ? new[] { "--jobs", jobs.ToString(CultureInfo.InvariantCulture) } : [];
        if (tables.Count > 0)
        {
            var present = await ExistingTablesAsync(client, target, tables, cancellationToken).ConfigureAwait(false);
            if (present.Count > 0 && !request.Confirmed)
            {
                throw new RefusedException(
                    $"restoring {string.Join(", ", present)} replaces the rows of {(present.Count == 1 ? "that table" : "those tables")} in database '{target}'",
                    "add --yes to confirm");
            }
            var scratch = DumpFileStore.CreateScratchFolder("restore");
            try
            {
                progress?.Report(new OperationProgress("fetch", 0, manifest.Size));
                var archive = await DumpFileStore.MaterializeAsync(catalog, manifest, Path.Combine(scratch, "archive"), cancellationToken).ConfigureAwait(false);
                var toc = await client.RunAsync(pgRestore, ["--list", archive], cancellationToken).ConfigureAwait(false);
                var script = manifest.Mode == DumpMode.Data ? ""
                    : await client.RunAsync(pgRestore, ["--schema-only", "--file", "-", archive], cancellationToken).ConfigureAwait(false);
                var selection = await SelectAsync(client, target, tables, present, cancellationToken).ConfigureAwait(false);
                progress?.Report(new OperationProgress("restore", 0, manifest.Size));
                if (selection.Missing.Count > 0)
                {
                    var (list, left) = TableRestoreList.Build(toc, script, selection with { Present = [] });
                    skipped = left;
                    var listPath = Path.Combine(scratch, "create.list");
                    await File.WriteAllTextAsync(listPath, list, cancellationToken).ConfigureAwait(false);
                    await client.RunAsync(pgRestore, [.. common, .. jobArguments, "--use-list", listPath, archive], cancellationToken).ConfigureAwait(false);
                }
                if (present.Count > 0)
                {
                    var (list, _) = TableRestoreList.Build(toc, script, selection with { Missing = [] });
                    var listPath = Path.Combine(scratch, "rows.list");
                    await File.WriteAllTextAsync(listPath, list, cancellationToken).ConfigureAwait(false);
                    await ReplaceRowsAsync(client, pgRestore, target, present, listPath, archive, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                DumpFileStore.DeleteScratchFolder(scratch);
            }
        }
        else if (manifest.DumpFormat == DumpFormat.Directory)
        {
            var scratch = DumpFileStore.CreateScratchFolder("restore");
            try
            {
                var archive = new FifoArchive(catalog, manifest, Path.Combine(scratch, "archive"));
                await archive.PrepareAsync(cancellationToken).ConfigureAwait(false);
                progress?.Report(new OperationProgress("restore", 0, manifest.Size));
                var restoring = client.RunAsync(pgRestore, [.. common, .. jobArguments, archive.Folder], cancellationToken);
                await archive.FeedUntilAsync(restoring, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                DumpFileStore.DeleteScratchFolder(scratch);
            }
        }
        else if (jobs > 1)
        {
            var scratch = DumpFileStore.CreateScratchFolder("restore");
            try
            {
                progress?.Report(new OperationProgress("fetch", 0, manifest.Size));
                var archive = await DumpFileStore.MaterializeAsync(catalog, manifest, Path.Combine(scratch, "archive"), cancellationToken).ConfigureAwait(false);
                progress?.Report(new OperationProgress("restore", 0, manifest.Size));
                await client.RunAsync(pgRestore, [.. common, .. jobArguments, archive], cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                DumpFileStore.DeleteScratchFolder(scratch);
            }
        }
        else
        {
            progress?.Report(new OperationProgress("restore", 0, manifest.Size));
            await RestoreFromStdinAsync(client, pgRestore, common, manifest, cancellationToken).ConfigureAwait(false);
        }
        foreach (var item in skipped)
        {
            logger.LogWarning("not restored: {Item}", item);
        }

        var checks = await CountAsync(client, target, manifest, tables, cancellationToken, jobs).ConfigureAwait(false);
        logger.LogInformation("restored dump {Id} into {Database} in {Seconds:0.00} s", manifest.Id, target, watch.Elapsed.TotalSeconds);
        string? alembic = null;
        string? expectedAlembic = null;
        if (tables.Count == 0 && manifest.Mode != DumpMode.Schema)
        {
            expectedAlembic = manifest.AlembicRevision;
            var connection = await client.OpenAsync(target, cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                alembic = await SchemaCatalog.AlembicRevisionAsync(connection, cancellationToken).ConfigureAwait(false);
            }
        }
        return new DumpRestoreResult(manifest.Id, manifest.Database, target, created, checks, Math.Round(watch.Elapsed.TotalSeconds, 3))
        {
            Skipped = skipped, AlembicRevision = alembic, ExpectedAlembicRevision = expectedAlembic,
        };
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
    /// <remarks>
    /// With <paramref name="jobs"/> above one the tables are counted on that many connections at once, the largest (by
    /// the manifest's rows) first: after a restore with --jobs the exact counts are a sequential scan of every table.
    /// </remarks>
    public static async Task<IReadOnlyList<RowCountCheck>> CountAsync(PgClient client, string database, DumpManifest manifest, IReadOnlyList<TableName> only,
        CancellationToken cancellationToken, int jobs = 1)
    {
        var selected = manifest.Tables.Select(t => (Name: new TableName(t.Schema, t.Name), Expected: t.Rows ?? 0))
            .Where(t => only.Count == 0 || only.Contains(t.Name)).ToList();
        var actual = new long[selected.Count];
        var connection = await client.OpenAsync(database, cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var existing = (await SchemaCatalog.ListTablesAsync(connection, cancellationToken).ConfigureAwait(false)).Select(t => t.Table).ToHashSet();
            var queue = new ConcurrentQueue<int>();
            foreach (var index in Enumerable.Range(0, selected.Count).OrderByDescending(i => selected[i].Expected))
            {
                if (existing.Contains(selected[index].Name))
                {
                    queue.Enqueue(index);
                }
                else
                {
                    actual[index] = -1;
                }
            }
            async Task CountQueueAsync(NpgsqlConnection on)
            {
                while (queue.TryDequeue(out var index))
                {
                    actual[index] = await SchemaCatalog.CountRowsAsync(on, selected[index].Name, cancellationToken).ConfigureAwait(false);
                }
            }
            async Task CountOnOwnConnectionAsync()
            {
                var own = await client.OpenAsync(database, cancellationToken).ConfigureAwait(false);
                await using (own.ConfigureAwait(false))
                {
                    await CountQueueAsync(own).ConfigureAwait(false);
                }
            }
            var counters = Enumerable.Range(0, Math.Min(Math.Max(1, jobs), queue.Count) - 1).Select(_ => CountOnOwnConnectionAsync()).ToList();
            counters.Add(CountQueueAsync(connection));
            await Task.WhenAll(counters).ConfigureAwait(false);
        }
        return selected.Select((t, i) => new RowCountCheck(t.Name.ToString(), t.Expected, actual[i])).ToList();
    }

    private static async Task<List<TableName>> ExistingTablesAsync(PgClient client, string database, IReadOnlyList<TableName> tables, CancellationToken cancellationToken)
    {
        var connection = await client.OpenAsync(database, cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var existing = (await SchemaCatalog.ListTablesAsync(connection, cancellationToken).ConfigureAwait(false)).Select(t => t.Table).ToHashSet();
        return tables.Where(existing.Contains).ToList();
    }

    /// <summary>Each table with its name as pg_dump writes it in SQL (quote_ident rules), and every table the target has.</summary>
    private static async Task<TableRestoreList.Selection> SelectAsync(PgClient client, string database, IReadOnlyList<TableName> tables,
        IReadOnlyList<TableName> present, CancellationToken cancellationToken)
    {
        var connection = await client.OpenAsync(database, cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        async Task<string> RenderAsync(TableName table)
        {
            var command = new Npgsql.NpgsqlCommand("SELECT quote_ident($1) || '.' || quote_ident($2)", connection)
            {
                Parameters = { new() { Value = table.Schema }, new() { Value = table.Name } },
            };
            await using var commandScope = command.ConfigureAwait(false);
            return (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        var existing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (table, _) in await SchemaCatalog.ListTablesAsync(connection, cancellationToken).ConfigureAwait(false))
        {
            existing.Add(await RenderAsync(table).ConfigureAwait(false));
        }
        var missing = new List<(TableName, string)>();
        var kept = new List<(TableName, string)>();
        foreach (var table in tables)
        {
            (present.Contains(table) ? kept : missing).Add((table, await RenderAsync(table).ConfigureAwait(false)));
        }
        return new TableRestoreList.Selection(missing, kept, existing);
    }

    /// <summary>
    /// Replaces the rows of tables that exist in the target in one transaction: psql runs TRUNCATE and then pg_restore's
    /// script of the tables' data and sequence values, wrapped by --single-transaction, so a failure (a foreign key from a
    /// table not restored, bad data) changes nothing.
    /// </summary>
    internal static async Task ReplaceRowsAsync(PgClient client, string pgRestore, string database, IReadOnlyList<TableName> present, string listPath,
        string archive, CancellationToken cancellationToken)
    {
        var psql = Path.Combine(Path.GetDirectoryName(pgRestore)!, "psql");
        // The archive is untrusted: a forged "\." inside its COPY data would end the COPY and let the next line be a psql
        // meta-command (\! runs a shell). With --restrict-key pg_restore opens the script with \restrict KEY, and psql
        // then refuses every meta-command; the key is random per run, so the archive cannot carry the \unrestrict.
        if (!(await client.RunAsync(pgRestore, ["--help"], cancellationToken).ConfigureAwait(false)).Contains("--restrict-key", StringComparison.Ordinal))
        {
            throw new OperationFailedException($"'{pgRestore}' cannot restrict psql meta-commands, so rows are not replaced through it",
                "update the PostgreSQL client programs to a minor release with pg_restore --restrict-key (13.22, 14.19, 15.14, 16.10, 17.6 or later)");
        }
        var restrictKey = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        using var restore = client.Start(pgRestore, ["--use-list", listPath, "--restrict-key", restrictKey, "--file", "-", archive],
            redirectInput: false, redirectOutput: true);
        using var load = client.Start(psql, ["--no-psqlrc", "--quiet", "--dbname", client.ConnInfo(database), "--no-password", "--single-transaction",
            "--set", "ON_ERROR_STOP=1", "--command", $"TRUNCATE {string.Join(", ", present.Select(t => t.Quoted))}", "--file", "-"],
            redirectInput: true, redirectOutput: true);
        var restoreErrors = restore.StandardError.ReadToEndAsync(cancellationToken);
        var loadErrors = load.StandardError.ReadToEndAsync(cancellationToken);
        var loadOutput = load.StandardOutput.ReadToEndAsync(cancellationToken);
        try
        {
            await restore.StandardOutput.BaseStream.CopyToAsync(load.StandardInput.BaseStream, 1 << 16, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // psql stopped reading (it failed); its own message says why.
        }
        finally
        {
            try
            {
                load.StandardInput.Close();
            }
            catch (IOException)
            {
            }
        }
        await PgClient.WaitAsync(restore, cancellationToken).ConfigureAwait(false);
        await PgClient.WaitAsync(load, cancellationToken).ConfigureAwait(false);
        await loadOutput.ConfigureAwait(false);
        var restoreError = (await restoreErrors.ConfigureAwait(false)).Trim();
        var loadError = (await loadErrors.ConfigureAwait(false)).Trim();
        if (load.ExitCode != 0 || restore.ExitCode != 0)
        {
            throw new OperationFailedException(
                $"replacing the rows of {string.Join(", ", present)} in database '{database}' failed; nothing was changed: {(loadError.Length > 0 ? loadError : restoreError)}",
                "to empty a table that other tables reference, restore those tables together (repeat --table)");
        }
    }

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
