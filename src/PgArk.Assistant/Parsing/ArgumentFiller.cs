using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PgArk.Core.Operations.Registry;

namespace PgArk.Assistant.Parsing;

/// <summary>
/// Fills an operation's arguments from the request by reading its JSON schema, for operations the parser has no
/// hand-written rules for: <c>--name value</c> as on the command line; a boolean whose name's words occur ("dry run");
/// an enum value named as a word or as "schema only"; a number after or inside its name's words ("keep 3", "keep 7
/// days"); backup and dump ids by their shape; tables as "the orders table" or "table orders"; a string after its
/// name's words ("channel ops"). A required argument still missing is asked for, with its declared description.
/// </summary>
internal static partial class ArgumentFiller
{
    public static string? Fill(RegisteredOperation operation, string original, string lower, IReadOnlyList<string>? tables,
        JsonObject arguments)
    {
        var properties = (JsonObject?)operation.InputSchema["properties"] ?? [];
        // Longer names first, each number used once: "keep 7 days" is keep_days, not also keep.
        foreach (var (name, node) in properties.OrderByDescending(p => p.Key.Count(c => c == '_')))
        {
            if (arguments.ContainsKey(name) || name == OperationRegistry.ConfirmArgument || node is not JsonObject schema)
            {
                continue;
            }
            if (Value(name, schema, original, ref lower, tables) is { } value)
            {
                arguments[name] = value;
            }
        }
        var missing = operation.RequiredArguments.FirstOrDefault(a => !arguments.ContainsKey(a));
        if (missing is null)
        {
            return null;
        }
        var description = properties[missing]?["description"]?.GetValue<string>();
        return $"Which {missing.Replace('_', ' ')}? '{operation.Name}' needs it{(description is null ? "" : $" ({description.TrimEnd('.')})")};"
            + $" say e.g. '--{Kebab(missing)} <value>'.";
    }

    private static JsonNode? Value(string name, JsonObject schema, string original, ref string lower, IReadOnlyList<string>? tables)
    {
        var type = Types(schema);
        var words = name.Split('_');
        var phrase = string.Join(@"[\s_-]+", words.Select(Regex.Escape));
        if (Regex.Match(original, $@"--{Regex.Escape(Kebab(name))}(?:=|\s+)(?<v>\S+)", RegexOptions.None, TimeSpan.FromSeconds(1))
            is { Success: true } option)
        {
            return Typed(option.Groups["v"].Value, type);
        }
        if (type.Contains("boolean"))
        {
            return Regex.IsMatch(lower, $@"\b{phrase}\b", RegexOptions.None, TimeSpan.FromSeconds(1)) ? true : null;
        }
        if (schema["enum"] is JsonArray values)
        {
            var text = lower;
            var named = values.Select(v => v?.GetValue<string>()).OfType<string>()
                .Where(v => Regex.IsMatch(text, $@"\b{Regex.Escape(v.Replace('_', ' '))}(?:[\s-]only)?\b|\bonly (?:the )?{Regex.Escape(v)}\b",
                    RegexOptions.None, TimeSpan.FromSeconds(1)))
                .ToList();
            return named.Count == 1 ? named[0] : null;
        }
        if (type.Contains("integer") || type.Contains("number"))
        {
            // "keep 3", "3 keep" and, for a longer name, "keep 7 days".
            var inside = words.Length > 1
                ? $@"|\b{Regex.Escape(words[0])}\s+(?<n>\d+)\s+{string.Join(@"\s+", words.Skip(1).Select(Regex.Escape))}\b"
                : "";
            var number = Regex.Match(lower, $@"\b{phrase}\s*[:=]?\s*(?<n>\d+)\b|\b(?<n>\d+)\s+{phrase}\b{inside}",
                RegexOptions.None, TimeSpan.FromSeconds(1));
            if (!number.Success)
            {
                return null;
            }
            lower = string.Concat(lower.AsSpan(0, number.Index), new string(' ', number.Length), lower.AsSpan(number.Index + number.Length));
            return JsonValue.Create(long.Parse(number.Groups["n"].Value, CultureInfo.InvariantCulture));
        }
        if (type.Contains("array"))
        {
            return words[^1] == "tables" && tables is { Count: > 0 } ? new JsonArray([.. tables.Select(t => JsonValue.Create(t))]) : null;
        }
        if (words.Contains("backup") && BackupIdPattern().Match(original) is { Success: true } backup)
        {
            return backup.Value;
        }
        if (words.Contains("dump") && DumpIdPattern().Match(original) is { Success: true } dump)
        {
            return dump.Value;
        }
        if (name == "table" && tables is { Count: > 0 })
        {
            return tables[0];
        }
        var after = Regex.Match(original, $@"\b{phrase}\s+(?:named\s+|called\s+)?(?<v>[A-Za-z0-9_][A-Za-z0-9_.\-]*)",
            RegexOptions.IgnoreCase, TimeSpan.FromSeconds(1));
        return after.Success && !RequestWords.IsCommon(after.Groups["v"].Value) ? after.Groups["v"].Value : null;
    }

    private static JsonNode Typed(string value, IReadOnlyList<string> type) =>
        type.Contains("boolean") && bool.TryParse(value, out var flag) ? JsonValue.Create(flag)
        : (type.Contains("integer") || type.Contains("number")) && long.TryParse(value, CultureInfo.InvariantCulture, out var number)
            ? JsonValue.Create(number)
        : JsonValue.Create(value);

    private static List<string> Types(JsonObject schema) => schema["type"] switch
    {
        JsonArray many => many.Select(t => t?.GetValue<string>()).OfType<string>().ToList(),
        JsonValue one => [one.GetValue<string>()],
        _ => schema["enum"] is not null ? ["string"] : [],
    };

    private static string Kebab(string name) => name.Replace('_', '-');

    [GeneratedRegex(@"\b\d{8}-\d{6}[FDI]\b")]
    private static partial Regex BackupIdPattern();

    [GeneratedRegex(@"\b\d{8}-\d{6}L\b")]
    private static partial Regex DumpIdPattern();
}
