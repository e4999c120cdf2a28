using System.Text;
using Npgsql;

namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>
/// The full content of tables as canonical text rows (<c>SELECT t::text FROM table t</c>, sorted bytewise), so two
/// clusters can be compared by content: the proof that a restore reproduced the source as it was.
/// Table names are <c>schema.table</c> or <c>table</c> (schema public), taken exactly as written (no case folding).
/// </summary>
public sealed class TableSnapshot
{
    private TableSnapshot(IReadOnlyDictionary<string, IReadOnlyList<string>> tables)
    {
        Tables = tables;
    }

    /// <summary>Rows per table, keyed <c>schema.table</c>.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Tables { get; }

    public int RowCount => Tables.Values.Sum(rows => rows.Count);

    public static async Task<TableSnapshot> CaptureTableAsync(
        TestCluster cluster, string table, string database = "postgres", CancellationToken cancellationToken = default)
    {
        await using var connection = await cluster.OpenAsync(database, cancellationToken).ConfigureAwait(false);
        return await CaptureTablesAsync(connection, [table], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Every permanent user table and populated materialized view in the database. Unlogged tables are left out (a
    /// restore empties them by design), as are sequences (their values may legitimately run ahead after recovery).
    /// </summary>
    public static async Task<TableSnapshot> CaptureDatabaseAsync(
        TestCluster cluster, string database = "postgres", CancellationToken cancellationToken = default)
    {
        await using var connection = await cluster.OpenAsync(database, cancellationToken).ConfigureAwait(false);
        const string ListTables = """
            SELECT n.nspname, c.relname
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE (c.relkind = 'r' OR (c.relkind = 'm' AND c.relispopulated))
              AND c.relpersistence = 'p'
              AND n.nspname <> 'information_schema'
              AND n.nspname NOT LIKE 'pg\_%'
            ORDER BY n.nspname, c.relname
            """;
        var tables = new List<string>();
        await using (var command = new NpgsqlCommand(ListTables, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                tables.Add($"{reader.GetString(0)}.{reader.GetString(1)}");
            }
        }

        return await CaptureTablesAsync(connection, tables, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<TableSnapshot> CaptureTablesAsync(
        NpgsqlConnection connection, IEnumerable<string> tables, CancellationToken cancellationToken)
    {
        var result = new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            var (schema, name) = SplitName(table);
            var relation = $"{SqlIdentifier.Quote(schema)}.{SqlIdentifier.Quote(name)}";
            // ORDER BY the expression, not "1 COLLATE ...", which would sort by a constant. "C" makes it bytewise.
            var sql = $"SELECT t::text FROM {relation} t ORDER BY t::text COLLATE \"C\"";
            var rows = new List<string>();
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(reader.GetString(0));
            }

            result[$"{schema}.{name}"] = rows;
        }

        return new TableSnapshot(result);
    }

    /// <summary>
    /// Compares this (expected) snapshot with <paramref name="actual"/>; the report shows up to
    /// <paramref name="maxRowsShown"/> missing and unexpected rows per table.
    /// </summary>
    public SnapshotComparison CompareTo(TableSnapshot actual, int maxRowsShown = 5)
    {
        var report = new StringBuilder();
        var differing = 0;
        var names = Tables.Keys.Union(actual.Tables.Keys).Order(StringComparer.Ordinal).ToList();
        foreach (var name in names)
        {
            var inExpected = Tables.TryGetValue(name, out var expectedRows);
            var inActual = actual.Tables.TryGetValue(name, out var actualRows);
            if (!inActual)
            {
                differing++;
                report.Append($"table {name}: missing from actual (expected {expectedRows!.Count} rows)\n");
            }
            else if (!inExpected)
            {
                differing++;
                report.Append($"table {name}: not expected (actual has {actualRows!.Count} rows)\n");
            }
            else if (!expectedRows!.SequenceEqual(actualRows!, StringComparer.Ordinal))
            {
                differing++;
                DescribeRowDifference(report, name, expectedRows!, actualRows!, maxRowsShown);
            }
        }

        return differing == 0
            ? new SnapshotComparison(true, string.Empty)
            : new SnapshotComparison(false, $"snapshots differ in {differing} of {names.Count} tables\n{report}");
    }

    /// <summary>Fails the test with a readable diff unless <paramref name="actual"/> has exactly this content.</summary>
    public void AssertSameContent(TableSnapshot actual)
    {
        var comparison = CompareTo(actual);
        if (!comparison.AreEqual)
        {
            Assert.Fail(comparison.Report);
        }
    }

    private static void DescribeRowDifference(
        StringBuilder report, string name, IReadOnlyList<string> expected, IReadOnlyList<string> actual, int maxRowsShown)
    {
        // A multiset difference, so the report does not depend on both sides sorting the same way.
        var pending = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in expected)
        {
            pending[row] = pending.GetValueOrDefault(row) + 1;
        }

        var unexpected = new List<string>();
        foreach (var row in actual)
        {
            if (pending.TryGetValue(row, out var count) && count > 0)
            {
                pending[row] = count - 1;
            }
            else
            {
                unexpected.Add(row);
            }
        }

        var missing = new List<string>();
        foreach (var row in expected)
        {
            if (pending.TryGetValue(row, out var count) && count > 0)
            {
                pending[row] = count - 1;
                missing.Add(row);
            }
        }

        report.Append($"table {name}: expected {expected.Count} rows, actual {actual.Count}; ")
            .Append($"{missing.Count} missing, {unexpected.Count} unexpected");
        if (missing.Count == 0 && unexpected.Count == 0)
        {
            report.Append(" (same rows in a different order)");
        }

        report.Append('\n');
        foreach (var row in missing.Take(maxRowsShown))
        {
            report.Append("  - ").Append(row).Append('\n');
        }

        if (missing.Count > maxRowsShown)
        {
            report.Append($"  - ... {missing.Count - maxRowsShown} more missing\n");
        }

        foreach (var row in unexpected.Take(maxRowsShown))
        {
            report.Append("  + ").Append(row).Append('\n');
        }

        if (unexpected.Count > maxRowsShown)
        {
            report.Append($"  + ... {unexpected.Count - maxRowsShown} more unexpected\n");
        }
    }

    private static (string Schema, string Name) SplitName(string table)
    {
        ArgumentException.ThrowIfNullOrEmpty(table);
        var dot = table.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? ("public", table) : (table[..dot], table[(dot + 1)..]);
    }
}
