using Npgsql;
using PgArk.Core.Logical;

namespace PgArk.Core.Restore;

/// <summary>Fingerprint of a table's content: its rows and an order-independent sum of a hash of each row's text.</summary>
public sealed record TableFingerprint(string Table, long Rows, string RowHashSum);

/// <summary>
/// Compares table contents between two copies of a database (the sandbox at the target and what was moved into the live
/// server) without moving rows to the client: each table's hash is aggregated by the server. Shared by the database- and
/// table-level restores.
/// </summary>
internal static class TableContent
{
    /// <summary>
    /// Settings that make a row's text the same on both sides whatever the sessions' defaults (time zone, date and interval
    /// style, float precision, bytea format), so the row hashes of the sandbox and the live copy can be compared.
    /// </summary>
    private const string CanonicalText =
        "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3; SET bytea_output = 'hex'";

    /// <summary>Every ordinary table of the database (partitions each on their own, partitioned parents not: they hold no rows).</summary>
    public static async Task<IReadOnlyList<TableName>> ListTablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var tables = new List<TableName>();
        var list = new NpgsqlCommand("""
            SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
            ORDER BY 1, 2
            """, connection);
        await using var listScope = list.ConfigureAwait(false);
        var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tables.Add(new TableName(reader.GetString(0), reader.GetString(1)));
        }
        return tables;
    }

    /// <summary>The fingerprints of every ordinary table (see <see cref="ListTablesAsync"/>).</summary>
    public static async Task<IReadOnlyList<TableFingerprint>> FingerprintAllAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        await FingerprintAsync(connection, await ListTablesAsync(connection, cancellationToken).ConfigureAwait(false), cancellationToken)
            .ConfigureAwait(false);

    /// <summary>
    /// Row count and row-hash sum of each table. Sets the session's text settings (see <see cref="CanonicalText"/>): use a
    /// connection opened for this.
    /// </summary>
    public static async Task<IReadOnlyList<TableFingerprint>> FingerprintAsync(NpgsqlConnection connection, IEnumerable<TableName> tables,
        CancellationToken cancellationToken)
    {
        var settings = new NpgsqlCommand(CanonicalText, connection);
        await using (settings.ConfigureAwait(false))
        {
            await settings.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var result = new List<TableFingerprint>();
        foreach (var table in tables)
        {
            // An order-independent sum of 60-bit row hashes (as numeric: it cannot overflow) and the row count; only these leave the server.
            var command = new NpgsqlCommand(
                $"SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0)::text FROM {table.Quoted} t", connection)
            {
                CommandTimeout = 0,
            };
            await using var commandScope = command.ConfigureAwait(false);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            result.Add(new TableFingerprint(table.ToString(), reader.GetInt64(0), reader.GetString(1)));
        }
        return result;
    }

    /// <summary>
    /// What differs between <paramref name="expected"/> and <paramref name="actual"/>, one line per table (missing on a side,
    /// other row count or other row hashes), by table name; empty when both hold the same tables with the same content.
    /// </summary>
    public static IReadOnlyList<string> Differences(IReadOnlyList<TableFingerprint> expected, IReadOnlyList<TableFingerprint> actual)
    {
        var want = expected.ToDictionary(f => f.Table, StringComparer.Ordinal);
        var got = actual.ToDictionary(f => f.Table, StringComparer.Ordinal);
        var differences = new List<string>();
        foreach (var table in want.Keys.Union(got.Keys).Order(StringComparer.Ordinal))
        {
            var (w, g) = (want.GetValueOrDefault(table), got.GetValueOrDefault(table));
            if (w is null || g is null)
            {
                differences.Add($"{table} ({(w is null ? "not in the sandbox" : "missing")})");
            }
            else if (w.Rows != g.Rows || w.RowHashSum != g.RowHashSum)
            {
                differences.Add($"{table} ({g.Rows} rows, hash sum {g.RowHashSum}; expected {w.Rows} rows, hash sum {w.RowHashSum})");
            }
        }
        return differences;
    }
}
