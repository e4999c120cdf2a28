using System.Text;
using PgArk.Core.Errors;

namespace PgArk.Core.Restore;

/// <param name="Tables">Tables as the user gave them: schema.table, or table (found in any schema; ambiguous names must be qualified).</param>
/// <param name="Into">Name of the restored table beside the live one (one table only; default &lt;table&gt;_restored_&lt;target time&gt;).</param>
/// <param name="Replace">Swap the restored tables in for the live ones in one transaction.</param>
internal sealed record TableRestoreRequest(string Database, IReadOnlyList<string> Tables, RestoreTarget Target, string? Into = null, bool Replace = false);

/// <summary>A table as the live database has it now (null Live: it has no such table).</summary>
internal sealed record LiveTable(string Given, Logical.TableName? Live, IReadOnlyList<DependentForeignKey> DependentKeys);

/// <summary>
/// Plans a table-level point-in-time restore on top of the database-level plan (which chooses the backup and WAL and
/// refuses targets outside the recoverable window): checks the request, names the restored tables and states the steps.
/// Pure: everything it knows comes in as arguments.
/// </summary>
internal static class TableRestorePlanner
{
    public const string RestoredInfix = "_restored_";

    /// <summary>Checks what can be checked before anything is read: table list, --into and --replace.</summary>
    public static void Validate(TableRestoreRequest request)
    {
        DatabaseNames.Validate(request.Database, "database name");
        if (request.Tables.Count == 0)
        {
            throw new UsageException("name at least one table to restore (--table)");
        }
        foreach (var table in request.Tables)
        {
            if (string.IsNullOrWhiteSpace(table) || table.Contains('\0', StringComparison.Ordinal) || Encoding.UTF8.GetByteCount(table) > 2 * DatabaseNames.MaxBytes + 1)
            {
                throw new UsageException($"'{table}' is not a valid table name", "give it as schema.table or table, exactly as it is spelled in the database");
            }
        }
        if (request.Tables.Distinct(StringComparer.Ordinal).Count() != request.Tables.Count)
        {
            throw new UsageException("a table is named twice");
        }
        if (request.Target.Kind is not (RestoreTargetKind.Time or RestoreTargetKind.Latest))
        {
            throw new UsageException($"a table-level restore takes a target time or 'latest', not {request.Target}");
        }
        if (request.Into is not null)
        {
            if (request.Replace)
            {
                throw new UsageException("--replace and --into exclude each other",
                    "--into creates the restored table beside the live one; --replace swaps it in for the live one");
            }
            if (request.Tables.Count > 1)
            {
                throw new UsageException("--into names one restored table: give one --table, or leave --into out (each table is restored as <table>_restored_<time>)");
            }
            DatabaseNames.Validate(request.Into, "--into table name");
        }
    }

    public static TableRestorePlan Plan(DatabaseRestorePlan recovery, TableRestoreRequest request, IReadOnlyList<LiveTable> live, string stagingSchema)
    {
        Validate(request);
        var stamp = recovery.TargetTime is { } time ? DatabaseNames.Stamp(time) : recovery.Stamp;
        var tables = new List<PlannedTable>();
        foreach (var table in live)
        {
            var (schema, name) = table.Live is { } found ? (found.Schema, found.Name) : Split(table.Given);
            var into = request.Replace ? name : request.Into ?? RestoredName(name, stamp);
            tables.Add(new PlannedTable(table.Given, schema, name, into, table.Live is not null, request.Replace ? table.DependentKeys : []));
        }
        var duplicates = tables.GroupBy(t => (t.Schema, t.Into)).Where(g => g.Count() > 1).Select(g => $"{g.Key.Schema}.{g.Key.Into}").ToList();
        if (duplicates.Count > 0)
        {
            throw new UsageException($"two tables would be restored as {string.Join(", ", duplicates)}");
        }
        return new TableRestorePlan(recovery, tables, request.Replace, stagingSchema, request.Replace || request.Into is not null ? null : stamp,
            Steps(recovery, request, tables, stagingSchema));
    }

    /// <summary>&lt;table&gt;_restored_&lt;yyyyMMddHHmmss&gt;, the table's part shortened to fit 63 bytes.</summary>
    public static string RestoredName(string table, string stamp) => DatabaseNames.WithSuffix(table, RestoredInfix + stamp);

    /// <summary>
    /// The name an index or sequence of a table restored as <paramref name="into"/> gets: the table's name at its start is
    /// replaced (orders_pkey → orders_restored_20261203103000_pkey), other names get the restored table's suffix.
    /// </summary>
    public static string RenamedDependent(string name, string table, string into) =>
        name.StartsWith(table, StringComparison.Ordinal) && name.Length > table.Length
            ? FitPrefix(into, name[table.Length..])
            : DatabaseNames.WithSuffix(into + "_" + name, "");

    /// <summary>schema.table → (schema, table); a bare name is taken to be in public until the sandbox's catalog says where it was.</summary>
    public static (string Schema, string Name) Split(string given)
    {
        var dot = given.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && dot < given.Length - 1 ? (given[..dot], given[(dot + 1)..]) : ("public", given);
    }

    private static string FitPrefix(string into, string rest)
    {
        // Keep the distinguishing end of the dependent's name (_pkey, _id_seq) whole; shorten the restored table's part.
        if (Encoding.UTF8.GetByteCount(rest) > DatabaseNames.MaxBytes / 2)
        {
            return DatabaseNames.WithSuffix(into + rest, "");
        }
        return DatabaseNames.WithSuffix(into, rest);
    }

    private static List<string> Steps(DatabaseRestorePlan recovery, TableRestoreRequest request, List<PlannedTable> tables, string staging)
    {
        var list = string.Join(", ", tables.Select(t => $"{t.Schema}.{t.Name}"));
        var steps = new List<string>
        {
            "restore the backup chain into a sandbox data directory and start it on a free port (archive_mode off)",
            "replay WAL to the target, promote, and check the point reached",
            $"check that {list} existed in '{recovery.Database}' at the target (refused otherwise, naming the latest reachable point)",
            $"pg_dump {list} from the sandbox (definition, rows, indexes, constraints, defaults, owned sequences, triggers, comments, grants) " +
                $"and pg_restore it into schema '{staging}' of the live '{recovery.Database}' in one transaction",
            "compare every row: row count and a hash of every row's text, sandbox against live",
        };
        if (request.Replace)
        {
            var keys = tables.SelectMany(t => t.DependentKeys).ToList();
            steps.Add($"in one transaction on the live database: lock {list}" +
                (keys.Count > 0 ? $", drop the foreign keys that reference them ({string.Join(", ", keys.Select(k => $"{k.Name} on {k.Table}"))})" : "") +
                ", drop the live tables (refused if anything else depends on them), move the restored ones in under their names" +
                (keys.Count > 0 ? ", re-create those foreign keys against the restored rows (validated: a row that references a missing one refuses the swap)" : "") +
                ", and advance owned sequences to at least the live values (no id is handed out twice)");
        }
        else
        {
            foreach (var table in tables)
            {
                steps.Add($"rename the restored {table.Schema}.{table.Name} to {table.Schema}.{table.Into} (with its indexes and sequences); " +
                    $"the live {table.Schema}.{table.Name} is not touched");
            }
        }
        steps.Add($"drop schema '{staging}' and stop and delete the sandbox (always; on failure the half-restored copy is dropped too)");
        return steps;
    }
}
