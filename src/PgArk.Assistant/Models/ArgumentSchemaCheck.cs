using System.Text.Json;
using System.Text.Json.Nodes;

namespace PgArk.Assistant.Models;

/// <summary>
/// Checks a model's arguments against an operation's JSON schema (the subset the registry emits: object with
/// properties, required, additionalProperties false, and per property type / type arrays / enum). Null when valid.
/// </summary>
internal static class ArgumentSchemaCheck
{
    public static string? Problem(JsonObject schema, JsonObject arguments, IReadOnlyCollection<string> alsoAllowed)
    {
        var properties = schema["properties"] as JsonObject ?? [];
        foreach (var (name, value) in arguments)
        {
            if (alsoAllowed.Contains(name))
            {
                continue;
            }
            if (properties[name] is not JsonObject property)
            {
                return $"unknown argument '{name}'";
            }
            if (TypeProblem(property, value) is { } problem)
            {
                return $"argument '{name}': {problem}";
            }
        }
        foreach (var required in schema["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? [])
        {
            // Confirmation is the user's to give, never the model's; a database stands for its server (as at /invoke).
            if (arguments[required] is null && required != "confirm" && !(required == "server" && arguments["database"] is not null))
            {
                return $"missing required argument '{required}'";
            }
        }
        return null;
    }

    private static string? TypeProblem(JsonObject property, JsonNode? value)
    {
        if (property["enum"] is JsonArray values && !values.Any(v => JsonNode.DeepEquals(v, value)))
        {
            return $"{value?.ToJsonString() ?? "null"} is not one of {values.ToJsonString()}";
        }
        var types = property["type"] switch
        {
            JsonValue one => [one.GetValue<string>()],
            JsonArray several => several.Select(t => t!.GetValue<string>()).ToList(),
            _ => (List<string>)[],
        };
        if (types.Count == 0 || types.Any(t => Matches(t, value)))
        {
            return null;
        }
        return $"expected {string.Join(" or ", types)}, got {Kind(value)}";
    }

    private static bool Matches(string type, JsonNode? value)
    {
        var kind = value?.GetValueKind() ?? JsonValueKind.Null;
        return type switch
        {
            "null" => kind == JsonValueKind.Null,
            "string" => kind == JsonValueKind.String,
            "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
            // From the text: a value built in code holds an int, not a long, and TryGetValue<long> would refuse it.
            "integer" => kind == JsonValueKind.Number
                && long.TryParse(value!.ToJsonString(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _),
            "number" => kind == JsonValueKind.Number,
            "array" => kind == JsonValueKind.Array,
            "object" => kind == JsonValueKind.Object,
            _ => false,
        };
    }

    private static string Kind(JsonNode? value) => (value?.GetValueKind() ?? JsonValueKind.Null).ToString().ToLowerInvariant();
}
