using Npgsql;
using PgArk.Core.Errors;

namespace PgArk.Core.Logical;

/// <summary>A table as found in pg_class: schema and name exactly as stored (no case folding).</summary>
internal sealed record TableName(string Schema, string Name)
{
    public string Quoted => PgClient.QuoteQualified(Schema, Name);

    public override string ToString() => $"{Schema}.{Name}";
}

/// <summary>
/// A column: its name, its type as <c>format_type</c> writes it (safe to put in SQL: PostgreSQL quotes it), the type's
/// name and category (<c>pg_type.typcategory</c>, 'A' for arrays), and for arrays the element type's name.
/// </summary>
internal sealed record ColumnInfo(string Name, string SqlType, string TypeName, char Category, string? ElementTypeName, bool IsGenerated)
{
    public bool IsBytea => TypeName == "bytea";
    public bool IsArray => Category == 'A';
    public bool IsJson => TypeName is "json" or "jsonb";
}

/// <summary>Checks identifiers given by users against the catalog: only names that exist ever reach SQL, always quoted.</summary>
internal static class SchemaCatalog
{
    private const string UserTables = """
        SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
        ORDER BY n.nspname, c.relname
        """;

    /// <summary>Ordinary and partitioned tables outside the system schemas.</summary>
    public static async Task<IReadOnlyList<(TableName Table, bool Partitioned)>> ListTablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var result = new List<(TableName, bool)>();
        var command = new NpgsqlCommand(UserTables.Replace("SELECT n.nspname, c.relname", "SELECT n.nspname, c.relname, c.relkind = 'p'", StringComparison.Ordinal),
            connection);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add((new TableName(reader.GetString(0), reader.GetString(1)), reader.GetBoolean(2)));
        }
        return result;
    }

    /// <summary>
    /// Resolves a user-given table: <c>schema.table</c> or <c>table</c> (found in any user schema; ambiguous names must be
    /// qualified). Unknown names are a <see cref="NotFoundException"/>.
    /// </summary>
    public static TableName Resolve(IReadOnlyList<TableName> tables, string given, string database)
    {
        var matches = tables.Where(t => t.ToString() == given).ToList();
        if (matches.Count == 0)
        {
            matches = tables.Where(t => t.Name == given).ToList();
        }
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new NotFoundException($"table '{given}' does not exist in database '{database}'",
                "give the table as schema.table or table, exactly as it is spelled in the database"),
            _ => throw new UsageException($"table name '{given}' is ambiguous in database '{database}': {string.Join(", ", matches)}",
                "qualify it with its schema"),
        };
    }

    public static async Task<TableName> ResolveAsync(NpgsqlConnection connection, string given, CancellationToken cancellationToken)
    {
        var tables = (await ListTablesAsync(connection, cancellationToken).ConfigureAwait(false)).Select(t => t.Table).ToList();
        return Resolve(tables, given, connection.Database);
    }

    public static async Task<IReadOnlyList<ColumnInfo>> ColumnsAsync(NpgsqlConnection connection, TableName table, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname, t.typcategory, et.typname, a.attgenerated <> ''
            FROM pg_attribute a
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
            WHERE a.attrelid = (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2)
              AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """;
        var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = table.Schema }, new() { Value = table.Name } } };
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var result = new List<ColumnInfo>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(new ColumnInfo(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetChar(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetBoolean(5)));
        }
        return result;
    }

    public static ColumnInfo Column(IReadOnlyList<ColumnInfo> columns, string given, TableName table) =>
        columns.FirstOrDefault(c => c.Name == given)
        ?? throw new NotFoundException($"column '{given}' does not exist in table '{table}'",
            $"columns are: {string.Join(", ", columns.Select(c => c.Name))}");

    /// <summary>Primary-key columns in key order (empty when the table has no primary key).</summary>
    public static async Task<IReadOnlyList<string>> PrimaryKeyAsync(NpgsqlConnection connection, TableName table, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT a.attname FROM pg_index i
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indisprimary AND i.indrelid = (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2)
            ORDER BY k.ord
            """;
        var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = table.Schema }, new() { Value = table.Name } } };
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var result = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(reader.GetString(0));
        }
        return result;
    }

    /// <summary>Exact row count (in the connection's current transaction/snapshot).</summary>
    public static async Task<long> CountRowsAsync(NpgsqlConnection connection, TableName table, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand($"SELECT count(*) FROM {table.Quoted}", connection);
        await using var commandScope = command.ConfigureAwait(false);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>alembic_version.version_num when such a table is on the search path, else null.</summary>
    public static async Task<string?> AlembicRevisionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var probe = new NpgsqlCommand("SELECT to_regclass('alembic_version') IS NOT NULL", connection);
        await using (probe.ConfigureAwait(false))
        {
            if (!(bool)(await probe.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return null;
            }
        }
        var command = new NpgsqlCommand("SELECT string_agg(version_num::text, ',' ORDER BY version_num) FROM alembic_version", connection);
        await using var commandScope = command.ConfigureAwait(false);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }
}
