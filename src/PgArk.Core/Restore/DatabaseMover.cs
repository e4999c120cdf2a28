using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgArk.Core.Errors;
using PgArk.Core.Logical;

namespace PgArk.Core.Restore;

/// <summary>Rows of one table, by its qualified name.</summary>
public sealed record TableRowCount(string Table, long Rows);

/// <summary>
/// Moves one database from the sandbox into the live server: creates the copy, streams pg_dump into pg_restore and swaps
/// names. Every statement on the live server goes through its configured connection.
/// </summary>
internal sealed class DatabaseMover(PgClient live, string pgDump, string pgRestore, ILogger logger)
{
    private static readonly TimeSpan s_terminateTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The database to run CREATE/ALTER/DROP DATABASE from: never one that is being renamed.</summary>
    public string MaintenanceDatabase(string database) =>
        live.MaintenanceDatabase != database ? live.MaintenanceDatabase : database == "postgres" ? "template1" : "postgres";

    public async Task<NpgsqlConnection> OpenLiveAsync(string database, CancellationToken cancellationToken) =>
        await live.OpenAsync(database, cancellationToken).ConfigureAwait(false);

    public async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection);
        await using var commandScope = command.ConfigureAwait(false);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>pg_dump -Fc from the sandbox piped into pg_restore on the live server; stops at the first error.</summary>
    /// <param name="dumpArguments">More pg_dump arguments (e.g. --schema to move part of the database).</param>
    /// <param name="restoreArguments">More pg_restore arguments (e.g. --single-transaction).</param>
    public async Task CopyAsync(string sandboxConnInfo, string target, CancellationToken cancellationToken,
        IReadOnlyList<string>? dumpArguments = null, IReadOnlyList<string>? restoreArguments = null)
    {
        using var dump = live.Start(pgDump, ["--format=custom", "--compress=0", "--no-sync", $"--dbname={sandboxConnInfo}", .. dumpArguments ?? []],
            redirectInput: false, redirectOutput: true);
        using var restore = live.Start(pgRestore, ["--exit-on-error", "--no-password", $"--dbname={live.ConnInfo(target)}", .. restoreArguments ?? []],
            redirectInput: true, redirectOutput: true);
        var dumpErrors = dump.StandardError.ReadToEndAsync(cancellationToken);
        var restoreErrors = restore.StandardError.ReadToEndAsync(cancellationToken);
        var restoreOutput = restore.StandardOutput.ReadToEndAsync(cancellationToken);
        try
        {
            try
            {
                await dump.StandardOutput.BaseStream.CopyToAsync(restore.StandardInput.BaseStream, 1 << 20, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // pg_restore stopped reading (it failed): its exit code and message say why.
            }
            finally
            {
                restore.StandardInput.Close();
            }
            await PgClient.WaitAsync(dump, cancellationToken).ConfigureAwait(false);
            await PgClient.WaitAsync(restore, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(dump);
            Kill(restore);
            throw;
        }
        await restoreOutput.ConfigureAwait(false);
        if (dump.ExitCode != 0)
        {
            throw new OperationFailedException($"pg_dump from the sandbox failed (exit {dump.ExitCode}): {PgClient.FirstLine(await dumpErrors.ConfigureAwait(false))}");
        }
        if (restore.ExitCode != 0)
        {
            throw RestoreFailed(target, restore.ExitCode, (await restoreErrors.ConfigureAwait(false)).Trim());
        }
    }

    /// <summary>
    /// pg_dump -Fd --jobs from the sandbox into <paramref name="dumpDirectory"/> (which must not exist; the caller removes
    /// it), then pg_restore --jobs into the live database: tables are dumped and loaded and indexes built
    /// <paramref name="jobs"/> at a time, where one pg_dump | pg_restore stream keeps one core busy. pg_restore -j needs a
    /// seekable archive, hence the directory: it costs the database's size on disk once, inside the sandbox.
    /// </summary>
    public async Task CopyParallelAsync(string sandboxConnInfo, string target, string dumpDirectory, int jobs, CancellationToken cancellationToken)
    {
        var count = Math.Max(1, jobs).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var dump = await RunToolAsync(pgDump, ["--format=directory", $"--jobs={count}", "--compress=0", "--no-sync", $"--file={dumpDirectory}",
            $"--dbname={sandboxConnInfo}"], cancellationToken).ConfigureAwait(false);
        if (dump.ExitCode != 0)
        {
            throw new OperationFailedException($"pg_dump from the sandbox failed (exit {dump.ExitCode}): {PgClient.FirstLine(dump.Errors)}");
        }
        var restore = await RunToolAsync(pgRestore, ["--exit-on-error", "--no-password", $"--jobs={count}", $"--dbname={live.ConnInfo(target)}",
            dumpDirectory], cancellationToken).ConfigureAwait(false);
        if (restore.ExitCode != 0)
        {
            throw RestoreFailed(target, restore.ExitCode, restore.Errors);
        }
    }

    private async Task<(int ExitCode, string Errors)> RunToolAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        using var process = live.Start(program, arguments, redirectInput: false, redirectOutput: true);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        await PgClient.WaitAsync(process, cancellationToken).ConfigureAwait(false);
        await output.ConfigureAwait(false);
        return (process.ExitCode, (await errors.ConfigureAwait(false)).Trim());
    }

    private static OperationFailedException RestoreFailed(string target, int exitCode, string message) =>
        new($"pg_restore into '{target}' failed (exit {exitCode}): {message}",
            message.Contains("role", StringComparison.Ordinal) && message.Contains("does not exist", StringComparison.Ordinal)
                ? "roles are cluster-wide: create the missing role on the live server, then run the restore again" : null);

    /// <summary>Exact row counts of every ordinary table (partitions counted each on their own).</summary>
    public static async Task<IReadOnlyList<TableRowCount>> CountRowsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var counts = new List<TableRowCount>();
        foreach (var table in await TableContent.ListTablesAsync(connection, cancellationToken).ConfigureAwait(false))
        {
            var count = new NpgsqlCommand($"SELECT count(*) FROM {table.Quoted}", connection) { CommandTimeout = 0 };
            await using var countScope = count.ConfigureAwait(false);
            counts.Add(new TableRowCount(table.ToString(), (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!));
        }
        return counts;
    }

    /// <summary>
    /// The short step: blocks new connections to <paramref name="database"/>, ends its sessions, and renames it to
    /// <paramref name="keepAs"/> and <paramref name="restored"/> to <paramref name="database"/> in one transaction. On
    /// failure the live database is left as it was (connections allowed again).
    /// </summary>
    public async Task SwapAsync(string database, string restored, string keepAs, CancellationToken cancellationToken)
    {
        var connection = await OpenLiveAsync(MaintenanceDatabase(database), cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var quoted = PgClient.QuoteIdentifier(database);
        var allowed = await ScalarAsync<bool>(connection, "SELECT datallowconn FROM pg_database WHERE datname = $1", database, cancellationToken)
            .ConfigureAwait(false);
        await ExecuteAsync(connection, $"ALTER DATABASE {quoted} WITH ALLOW_CONNECTIONS false", cancellationToken).ConfigureAwait(false);
        try
        {
            await TerminateSessionsAsync(connection, database, cancellationToken).ConfigureAwait(false);
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await ExecuteAsync(connection, $"ALTER DATABASE {quoted} RENAME TO {PgClient.QuoteIdentifier(keepAs)}", cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, $"ALTER DATABASE {PgClient.QuoteIdentifier(restored)} RENAME TO {quoted}", cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            if (allowed)
            {
                await ExecuteAsync(connection, $"ALTER DATABASE {quoted} WITH ALLOW_CONNECTIONS true", CancellationToken.None).ConfigureAwait(false);
            }
            throw;
        }
        if (allowed)
        {
            await ExecuteAsync(connection, $"ALTER DATABASE {PgClient.QuoteIdentifier(keepAs)} WITH ALLOW_CONNECTIONS true", CancellationToken.None)
                .ConfigureAwait(false);
        }
    }

    public async Task RenameAsync(string from, string to, CancellationToken cancellationToken)
    {
        var connection = await OpenLiveAsync(MaintenanceDatabase(from), cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        await ExecuteAsync(connection, $"ALTER DATABASE {PgClient.QuoteIdentifier(from)} RENAME TO {PgClient.QuoteIdentifier(to)}", cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>DROP DATABASE … WITH (FORCE) (PostgreSQL 13+): ends the sessions of the database being dropped.</summary>
    public async Task DropAsync(string database, CancellationToken cancellationToken)
    {
        var connection = await OpenLiveAsync(MaintenanceDatabase(database), cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {PgClient.QuoteIdentifier(database)} WITH (FORCE)", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops a half-restored copy after a failure; a problem is logged, not thrown (the original error matters).</summary>
    public async Task DropQuietlyAsync(string database)
    {
        try
        {
            await DropAsync(database, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PgArkException or NpgsqlException)
        {
            logger.LogWarning("unable to drop the half-restored database '{Database}': {Message}; drop it by hand", database, ex.Message);
        }
    }

    public static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, object parameter, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = parameter } } };
        await using var commandScope = command.ConfigureAwait(false);
        return (T)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task TerminateSessionsAsync(NpgsqlConnection connection, string database, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var left = await ScalarAsync<long>(connection,
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                database, cancellationToken).ConfigureAwait(false);
            if (left == 0)
            {
                return;
            }
            if (watch.Elapsed > s_terminateTimeout)
            {
                throw new OperationFailedException($"{left} sessions of database '{database}' did not end within {s_terminateTimeout.TotalSeconds:0} s");
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
    }
}
