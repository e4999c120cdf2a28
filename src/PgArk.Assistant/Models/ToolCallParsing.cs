using System.Text.Json;
using Microsoft.Extensions.AI;

namespace PgArk.Assistant.Models;

/// <summary>Shared by both clients: a provider's tool call (arguments as an object or a JSON string) → <see cref="FunctionCallContent"/>.</summary>
internal static class ToolCallParsing
{
    /// <summary>Malformed arguments are kept as a call whose <see cref="FunctionCallContent.Exception"/> says why.</summary>
    public static FunctionCallContent ToContent(string callId, string name, JsonElement arguments)
    {
        var content = new FunctionCallContent(callId, name);
        try
        {
            var element = arguments.ValueKind == JsonValueKind.String ? ParseString(arguments.GetString()!) : arguments;
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException($"arguments must be a JSON object, not {element.ValueKind.ToString().ToLowerInvariant()}");
            }
            content.Arguments = element.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone(), StringComparer.Ordinal);
        }
        catch (JsonException ex)
        {
            content.Exception = ex;
        }
        return content;
    }

    private static JsonElement ParseString(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
