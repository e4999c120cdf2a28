using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace PgArk.Core.Configuration;

/// <summary>Parsing of <c>servers[].verify</c> (docs/configuration.md, "servers[].verify").</summary>
internal sealed partial class ConfigParser
{
    private static readonly string[] s_verifyKeys = ["amcheck", "databases"];
    private static readonly string[] s_verifyDatabaseKeys = ["tables", "minRows", "queries"];

    private VerifyOptions? Verify(YamlMappingReader server)
    {
        if (server.Mapping("verify") is not { } node)
        {
            return null;
        }
        var reader = new YamlMappingReader(node, server.ChildPath("verify"), s_verifyKeys, [], _problems);
        var amcheck = true;
        if (reader.Scalar("amcheck") is { } text)
        {
            if (!bool.TryParse(text, out amcheck))
            {
                _problems.Add(reader.ChildPath("amcheck"), $"'{text}' is not true or false");
            }
        }
        var databases = new List<VerifyDatabaseOptions>();
        if (reader.Mapping("databases") is { } databasesNode)
        {
            var path = reader.ChildPath("databases");
            if (databasesNode.Children.Count == 0)
            {
                _problems.Add(path, "must name at least one database");
            }
            foreach (var (keyNode, value) in databasesNode.Children)
            {
                if (keyNode is not YamlScalarNode { Value: { Length: > 0 } name } || !IsIdentifier(name))
                {
                    _problems.Add(path, $"line {keyNode.Start.Line}: database names are 1-63 characters without NUL");
                    continue;
                }
                var databasePath = ConfigProblems.Child(path, name);
                if (value is not YamlMappingNode databaseNode)
                {
                    _problems.Add(databasePath, "expected a mapping with tables, minRows or queries");
                    continue;
                }
                databases.Add(VerifyDatabase(name, new YamlMappingReader(databaseNode, databasePath, s_verifyDatabaseKeys, [], _problems)));
            }
        }
        return new VerifyOptions(amcheck, databases);
    }

    private VerifyDatabaseOptions VerifyDatabase(string name, YamlMappingReader reader)
    {
        var tables = new List<string>();
        if (reader.Sequence("tables") is { } list)
        {
            for (var i = 0; i < list.Children.Count; i++)
            {
                if (TableName(list.Children[i], ConfigProblems.Item(reader.ChildPath("tables"), i)) is { } table)
                {
                    if (tables.Contains(table, StringComparer.Ordinal))
                    {
                        _problems.Add(ConfigProblems.Item(reader.ChildPath("tables"), i), $"table '{table}' is listed twice");
                    }
                    else
                    {
                        tables.Add(table);
                    }
                }
            }
        }
        var minRows = new Dictionary<string, long>(StringComparer.Ordinal);
        if (reader.Mapping("minRows") is { } rows)
        {
            foreach (var (keyNode, value) in rows.Children)
            {
                var itemPath = ConfigProblems.Child(reader.ChildPath("minRows"), (keyNode as YamlScalarNode)?.Value ?? "?");
                if (TableName(keyNode, itemPath) is not { } table)
                {
                    continue;
                }
                if (value is YamlScalarNode { Value: { } text }
                    && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                {
                    minRows[table] = count;
                }
                else
                {
                    _problems.Add(itemPath, "expected a row count (an integer, 0 or more)");
                }
            }
        }
        var queries = new Dictionary<string, string>(StringComparer.Ordinal);
        if (reader.Mapping("queries") is { } queriesNode)
        {
            foreach (var (keyNode, value) in queriesNode.Children)
            {
                var checkName = (keyNode as YamlScalarNode)?.Value;
                var itemPath = ConfigProblems.Child(reader.ChildPath("queries"), checkName ?? "?");
                if (checkName is null || !IsValidName(checkName))
                {
                    _problems.Add(itemPath, "check names are 1-63 letters, digits, '_' or '-'");
                }
                else if (value is YamlScalarNode { Value: { } sql } && !string.IsNullOrWhiteSpace(sql))
                {
                    queries[checkName] = sql;
                }
                else
                {
                    _problems.Add(itemPath, "expected an SQL query returning one boolean");
                }
            }
        }
        if (!reader.Has("tables") && !reader.Has("minRows") && !reader.Has("queries"))
        {
            _problems.Add(reader.Path, "no checks: give tables, minRows or queries");
        }
        return new VerifyDatabaseOptions(name, tables, minRows, queries);
    }

    /// <summary>A table as "table" or "schema.table"; each part 1-63 characters without '.', '"' or NUL (they are quoted on use).</summary>
    private string? TableName(YamlNode node, string path)
    {
        if (node is YamlScalarNode { Value: { Length: > 0 } text })
        {
            var parts = text.Split('.');
            if (parts.Length <= 2 && parts.All(p => IsIdentifier(p) && !p.Contains('"', StringComparison.Ordinal)))
            {
                return text;
            }
        }
        _problems.Add(path, $"'{(node as YamlScalarNode)?.Value}' is not a table name (use table or schema.table)");
        return null;
    }

    private static bool IsIdentifier(string name) => name.Length is >= 1 and <= 63 && !name.Contains('\0', StringComparison.Ordinal);
}
