using System.Text;
using System.Text.RegularExpressions;

namespace PgArk.Core.Logical;

/// <summary>
/// Chooses the archive entries a table-level restore needs, as a <c>pg_restore -L</c> list. <c>pg_restore -t</c> alone
/// restores a table's definition and rows but not its sequences, defaults, constraints, indexes, triggers or comments, so
/// a table restored into a database that lacks it would come back without them. PgArk reads the archive's table of
/// contents (<c>pg_restore -l</c>) and its schema script (<c>pg_restore --schema-only -f -</c>, whose
/// "-- Name: ...; Type: ...; Schema: ..." headers name the same entries), and takes, for each table:
/// <list type="bullet">
/// <item>a table missing from the target: its TABLE entry, every entry whose SQL is about the table (DEFAULT, CONSTRAINT,
/// INDEX, TRIGGER, RULE, POLICY, COMMENT, ACL, STATISTICS, identity SEQUENCE), the sequences it owns (SEQUENCE, SEQUENCE
/// OWNED BY), foreign keys whose referenced table will exist, its rows (TABLE DATA) and its sequences' values (SEQUENCE SET);</item>
/// <item>a table that exists in the target: only its rows and its sequences' values (the caller empties it first).</item>
/// </list>
/// Foreign keys of a restored table that reference a table the target will not have are left out and reported.
/// </summary>
internal static partial class TableRestoreList
{
    private static readonly HashSet<string> s_attachedTypes = new(StringComparer.Ordinal)
    {
        "DEFAULT", "CONSTRAINT", "CHECK CONSTRAINT", "INDEX", "INDEX ATTACH", "TRIGGER", "RULE", "POLICY", "ROW SECURITY", "COMMENT", "ACL",
        "SECURITY LABEL", "STATISTICS", "SEQUENCE", "SEQUENCE OWNED BY",
    };

    /// <summary>One entry of the schema script: header fields and its SQL.</summary>
    public sealed record ScriptEntry(string Type, string Schema, string Name, string Sql);

    /// <param name="Missing">Tables to create, each with its SQL-rendered name (quote_ident of schema and name, as pg_dump writes them).</param>
    /// <param name="Present">Tables that exist in the target: rows only.</param>
    /// <param name="TargetTables">SQL-rendered names of every table the target has before the restore.</param>
    public sealed record Selection(IReadOnlyList<(TableName Table, string Sql)> Missing, IReadOnlyList<(TableName Table, string Sql)> Present,
        IReadOnlySet<string> TargetTables);

    /// <summary>The <c>-L</c> list (selected lines of <paramref name="toc"/>) and the foreign keys left out.</summary>
    public static (string List, IReadOnlyList<string> Skipped) Build(string toc, string script, Selection selection)
    {
        ArgumentNullException.ThrowIfNull(toc);
        ArgumentNullException.ThrowIfNull(selection);
        var entries = ParseScript(script);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var skipped = new List<string>();
        var willExist = new HashSet<string>(selection.TargetTables, StringComparer.Ordinal);
        foreach (var (_, sql) in selection.Missing)
        {
            willExist.Add(sql);
        }
        foreach (var (table, sql) in selection.Missing)
        {
            keys.Add(Key("TABLE", table.Schema, table.Name));
            keys.Add(Key("TABLE DATA", table.Schema, table.Name));
            foreach (var entry in entries)
            {
                if (entry.Type == "FK CONSTRAINT")
                {
                    if (!OwnerPattern(sql).IsMatch(entry.Sql))
                    {
                        continue;
                    }
                    var referenced = ReferencesPattern().Match(entry.Sql);
                    if (referenced.Success && !willExist.Contains(referenced.Groups[1].Value))
                    {
                        skipped.Add($"foreign key {entry.Name} of {table} (references {referenced.Groups[1].Value}, which the target does not have)");
                        continue;
                    }
                    keys.Add(Key(entry.Type, entry.Schema, entry.Name));
                }
                else if (s_attachedTypes.Contains(entry.Type) && Mentions(entry.Sql, sql))
                {
                    keys.Add(Key(entry.Type, entry.Schema, entry.Name));
                    if (entry.Type is "SEQUENCE" or "SEQUENCE OWNED BY")
                    {
                        AddSequence(keys, entry);
                    }
                }
            }
        }
        foreach (var (table, sql) in selection.Present)
        {
            keys.Add(Key("TABLE DATA", table.Schema, table.Name));
            foreach (var entry in entries.Where(e => e.Type is "SEQUENCE" or "SEQUENCE OWNED BY" && Mentions(e.Sql, sql)))
            {
                keys.Add(Key("SEQUENCE SET", entry.Schema, entry.Name));
            }
        }
        var list = new StringBuilder();
        foreach (var line in toc.Split('\n'))
        {
            if (line.Length > 0 && !line.StartsWith(';') && keys.Any(k => line.Contains(k, StringComparison.Ordinal)))
            {
                list.Append(line).Append('\n');
            }
        }
        return (list.ToString(), skipped);
    }

    /// <summary>A sequence the table owns: its definition, ownership and value.</summary>
    private static void AddSequence(HashSet<string> keys, ScriptEntry entry)
    {
        keys.Add(Key("SEQUENCE", entry.Schema, entry.Name));
        keys.Add(Key("SEQUENCE OWNED BY", entry.Schema, entry.Name));
        keys.Add(Key("SEQUENCE SET", entry.Schema, entry.Name));
    }

    // In a -l line the entry reads "<id>; <catalog oid> <oid> <type> <schema> <tag> <owner>": the tag is followed by the owner.
    private static string Key(string type, string schema, string name) => $" {type} {schema} {name} ";

    /// <summary>The SQL names the table as a whole word: "public.t" matches "public.t (", "public.t.col", not "public.t2".</summary>
    private static bool Mentions(string sql, string qualified)
    {
        for (var at = sql.IndexOf(qualified, StringComparison.Ordinal); at >= 0; at = sql.IndexOf(qualified, at + 1, StringComparison.Ordinal))
        {
            var before = at == 0 ? ' ' : sql[at - 1];
            var end = at + qualified.Length;
            var after = end == sql.Length ? ' ' : sql[end];
            if (before is ' ' or '\n' or '(' or ',' && after is ' ' or '\n' or '.' or '(' or ';' or ',' or ')')
            {
                return true;
            }
        }
        return false;
    }

    private static Regex OwnerPattern(string qualified) =>
        new($"ALTER TABLE (ONLY )?{Regex.Escape(qualified)}\\s", RegexOptions.CultureInvariant);

    /// <summary>Entries of a pg_restore schema script, split at its "-- Name: N; Type: T; Schema: S; Owner: O" headers.</summary>
    public static IReadOnlyList<ScriptEntry> ParseScript(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        var result = new List<ScriptEntry>();
        Match? current = null;
        var sql = new StringBuilder();
        void Flush()
        {
            if (current is not null)
            {
                result.Add(new ScriptEntry(current.Groups["type"].Value, current.Groups["schema"].Value, current.Groups["name"].Value, sql.ToString()));
            }
            sql.Clear();
        }
        foreach (var line in script.Split('\n'))
        {
            var header = HeaderPattern().Match(line);
            if (header.Success)
            {
                Flush();
                current = header;
            }
            else if (!line.StartsWith("--", StringComparison.Ordinal))
            {
                sql.Append(line).Append('\n');
            }
        }
        Flush();
        return result;
    }

    [GeneratedRegex("^-- (Data for )?Name: (?<name>.*); Type: (?<type>[A-Z ]+); Schema: (?<schema>.*); Owner: .*$", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderPattern();

    [GeneratedRegex("REFERENCES (.+?)\\(", RegexOptions.CultureInvariant)]
    private static partial Regex ReferencesPattern();
}
