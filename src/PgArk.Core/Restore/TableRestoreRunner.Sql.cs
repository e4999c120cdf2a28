using Microsoft.Extensions.Logging;
using Npgsql;
using PgArk.Core.Errors;
using PgArk.Core.Logical;

namespace PgArk.Core.Restore;

internal sealed partial class TableRestoreRunner
{
    private const string OwnerCommentPrefix = "pgark restore-table ";

    /// <summary>Foreign keys of tables outside <paramref name="tables"/> that reference one of them, with schema-qualified definitions.</summary>
    private static async Task<List<(TableName Referenced, DependentForeignKey Key)>> DependentKeysAsync(NpgsqlConnection connection,
        IReadOnlyList<TableName> tables, bool inTransaction, CancellationToken cancellationToken)
    {
        var result = new List<(TableName, DependentForeignKey)>();
        if (tables.Count == 0)
        {
            return result;
        }
        // pg_get_constraintdef qualifies every name not on the search path: with only pg_catalog on it, all of them.
        await ExecuteAsync(connection, inTransaction ? "SET LOCAL search_path = pg_catalog" : "SET search_path = pg_catalog", cancellationToken)
            .ConfigureAwait(false);
        const string sql = """
            SELECT rn.nspname, r.relname, format('%I.%I', cn.nspname, c.relname), con.conname, pg_get_constraintdef(con.oid)
            FROM pg_constraint con
            JOIN pg_class r ON r.oid = con.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
            JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
            WHERE con.contype = 'f' AND con.conparentid = 0
              AND (rn.nspname::text, r.relname::text) IN (SELECT * FROM unnest($1::text[], $2::text[]))
              AND (cn.nspname::text, c.relname::text) NOT IN (SELECT * FROM unnest($1::text[], $2::text[]))
            ORDER BY 3, 4
            """;
        var command = new NpgsqlCommand(sql, connection)
        {
            Parameters = { new() { Value = tables.Select(t => t.Schema).ToArray() }, new() { Value = tables.Select(t => t.Name).ToArray() } },
        };
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add((new TableName(reader.GetString(0), reader.GetString(1)),
                new DependentForeignKey(reader.GetString(2), reader.GetString(3), reader.GetString(4))));
        }
        return result;
    }

    /// <summary>
    /// In the sandbox (a throwaway copy): moves the tables into the staging schema, which takes their indexes, constraints
    /// and owned sequences along, so the dump of that schema is exactly them and their names clash with nothing live.
    /// </summary>
    private static async Task StageInSandboxAsync(NpgsqlConnection source, string staging, IReadOnlyList<PlannedTable> tables,
        CancellationToken cancellationToken)
    {
        var schema = PgClient.QuoteIdentifier(staging);
        var owner = $"{OwnerCommentPrefix}{Environment.MachineName} {SandboxJanitor.CurrentOwner}".Replace("'", "''", StringComparison.Ordinal);
        await ExecuteAsync(source, $"CREATE SCHEMA {schema}; COMMENT ON SCHEMA {schema} IS '{owner}'", cancellationToken).ConfigureAwait(false);
        foreach (var table in tables)
        {
            await ExecuteAsync(source, $"ALTER TABLE {PgClient.QuoteQualified(table.Schema, table.Name)} SET SCHEMA {schema}", cancellationToken)
                .ConfigureAwait(false);
        }
    }

    /// <summary>--into: renames the staged tables (and their indexes and sequences) and moves them beside the live ones, in one transaction.</summary>
    private static async Task<IReadOnlyList<DependentForeignKey>> MoveBesideAsync(NpgsqlConnection connection, string staging,
        IReadOnlyList<PlannedTable> tables, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        var schema = PgClient.QuoteIdentifier(staging);
        const string dependents = """
            SELECT c.relkind = 'S', c.relname, t.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_index i ON i.indexrelid = c.oid
            LEFT JOIN pg_depend d ON c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid
                AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
            JOIN pg_class t ON t.oid = coalesce(i.indrelid, d.refobjid)
            WHERE n.nspname = $1 AND c.relkind IN ('i', 'S')
            ORDER BY 2
            """;
        var renames = new List<string>();
        var command = new NpgsqlCommand(dependents, connection, transaction) { Parameters = { new() { Value = staging } } };
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var (sequence, name, owner) = (reader.GetBoolean(0), reader.GetString(1), reader.GetString(2));
                var table = tables.First(t => t.Name == owner);
                renames.Add($"ALTER {(sequence ? "SEQUENCE" : "INDEX")} {schema}.{PgClient.QuoteIdentifier(name)} " +
                    $"RENAME TO {PgClient.QuoteIdentifier(TableRestorePlanner.RenamedDependent(name, table.Name, table.Into))}");
            }
        }
        foreach (var statement in renames)
        {
            await ExecuteAsync(connection, statement, cancellationToken).ConfigureAwait(false);
        }
        foreach (var table in tables)
        {
            var into = PgClient.QuoteIdentifier(table.Into);
            await ExecuteAsync(connection, $"ALTER TABLE {schema}.{PgClient.QuoteIdentifier(table.Name)} RENAME TO {into}; " +
                $"ALTER TABLE {schema}.{into} SET SCHEMA {PgClient.QuoteIdentifier(table.Schema)}", cancellationToken).ConfigureAwait(false);
        }
        await ExecuteAsync(connection, $"DROP SCHEMA {schema}", cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return [];
    }

    /// <summary>
    /// --replace, in one transaction: locks the live tables, moves the foreign keys of other tables off them, advances the
    /// restored owned sequences to the live values, drops the live tables (refused if anything else depends on them), moves
    /// the restored ones in and re-creates the foreign keys against them (refused, naming the key, if a row no longer matches).
    /// </summary>
    private async Task<IReadOnlyList<DependentForeignKey>> SwapInAsync(NpgsqlConnection connection, string staging, IReadOnlyList<PlannedTable> tables,
        CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        var schema = PgClient.QuoteIdentifier(staging);
        await ExecuteAsync(connection, $"SET LOCAL lock_timeout = '{(int)s_lockTimeout.TotalMilliseconds}ms'", cancellationToken).ConfigureAwait(false);
        var live = new List<TableName>();
        foreach (var table in tables)
        {
            if (await ExistsAsync(connection, table.Schema, table.Name, cancellationToken).ConfigureAwait(false))
            {
                live.Add(new TableName(table.Schema, table.Name));
            }
        }
        var keys = new List<DependentForeignKey>();
        if (live.Count > 0)
        {
            var list = string.Join(", ", live.Select(t => t.Quoted));
            try
            {
                await ExecuteAsync(connection, $"LOCK TABLE {list} IN ACCESS EXCLUSIVE MODE", cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable)
            {
                throw new RefusedException($"unable to lock {string.Join(", ", live)} within {s_lockTimeout.TotalSeconds:0} s: other sessions are using them",
                    "run the restore again when they are done, or end those sessions");
            }
            keys = [.. (await DependentKeysAsync(connection, live, inTransaction: true, cancellationToken).ConfigureAwait(false)).Select(k => k.Key)];
            foreach (var table in live)
            {
                await AdvanceSequencesAsync(connection, table, new TableName(staging, table.Name), cancellationToken).ConfigureAwait(false);
            }
            foreach (var key in keys)
            {
                await ExecuteAsync(connection, $"ALTER TABLE {key.Table} DROP CONSTRAINT {PgClient.QuoteIdentifier(key.Name)}", cancellationToken)
                    .ConfigureAwait(false);
            }
            try
            {
                await ExecuteAsync(connection, $"DROP TABLE {list}", cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DependentObjectsStillExist)
            {
                throw new RefusedException($"--replace refused: other objects depend on {string.Join(", ", live)}: {ex.Detail ?? ex.MessageText}",
                    "restore with --into and move the rows yourself, or change those objects first");
            }
        }
        foreach (var table in tables)
        {
            await ExecuteAsync(connection, $"ALTER TABLE {schema}.{PgClient.QuoteIdentifier(table.Name)} SET SCHEMA {PgClient.QuoteIdentifier(table.Schema)}",
                cancellationToken).ConfigureAwait(false);
        }
        foreach (var key in keys)
        {
            try
            {
                await ExecuteAsync(connection, $"ALTER TABLE {key.Table} ADD CONSTRAINT {PgClient.QuoteIdentifier(key.Name)} {key.Definition}", cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
            {
                throw new RefusedException(
                    $"--replace refused: foreign key {key.Name} of table {key.Table} ({key.Definition}) would no longer hold: {ex.Detail ?? ex.MessageText}; nothing was changed",
                    $"restore {key.Table} too (another --table), or restore with --into");
            }
        }
        await ExecuteAsync(connection, $"DROP SCHEMA {schema}", cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return keys;
    }

    /// <summary>Sets each owned sequence of the restored table to the live one's value when that is ahead, so no id is handed out twice.</summary>
    private static async Task AdvanceSequencesAsync(NpgsqlConnection connection, TableName live, TableName restored, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT count(setval(s.restored, pg_sequence_last_value(s.live)))
            FROM (SELECT pg_get_serial_sequence($1, a.attname)::regclass AS live, pg_get_serial_sequence($2, a.attname)::regclass AS restored
                  FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped) s
            WHERE s.live IS NOT NULL AND s.restored IS NOT NULL AND pg_sequence_last_value(s.live) > coalesce(pg_sequence_last_value(s.restored), 0)
            """;
        var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = live.Quoted }, new() { Value = restored.Quoted } } };
        await using var commandScope = command.ConfigureAwait(false);
        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops staging schemas a killed restore-table on this machine left in <paramref name="database"/> (their owner is gone).</summary>
    private async Task RemoveAbandonedStagingAsync(string database, CancellationToken cancellationToken)
    {
        var connection = await _live.OpenAsync(database, cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var abandoned = new List<string>();
        var command = new NpgsqlCommand(
            "SELECT nspname, coalesce(obj_description(oid, 'pg_namespace'), '') FROM pg_namespace WHERE nspname LIKE 'pgark\\_restore\\_%'", connection);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var prefix = $"{OwnerCommentPrefix}{Environment.MachineName} ";
                var comment = reader.GetString(1);
                if (comment.StartsWith(prefix, StringComparison.Ordinal) && !SandboxJanitor.IsAlive(comment[prefix.Length..]))
                {
                    abandoned.Add(reader.GetString(0));
                }
            }
        }
        foreach (var schema in abandoned)
        {
            logger.LogWarning("dropping schema '{Schema}' of database '{Database}' left by an interrupted restore-table", schema, database);
            await ExecuteAsync(connection, $"DROP SCHEMA {PgClient.QuoteIdentifier(schema)} CASCADE", cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<bool> ExistsAsync(NpgsqlConnection connection, string schema, string name, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2", connection)
        {
            Parameters = { new() { Value = schema }, new() { Value = name } },
        };
        await using var commandScope = command.ConfigureAwait(false);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0;
    }

    private static async Task<bool> SchemaExistsAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken) =>
        await DatabaseMover.ScalarAsync<long>(connection, "SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema, cancellationToken)
            .ConfigureAwait(false) > 0;

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await using var commandScope = command.ConfigureAwait(false);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
