using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace PgArk.Assistant.Models;

/// <summary>The parts of a chat request both providers spell the same way: role/content messages and function tools.</summary>
internal static class ChatRequestJson
{
    public static JsonArray Messages(IEnumerable<ChatMessage> messages)
    {
        var array = new JsonArray();
        foreach (var message in messages)
        {
            array.Add(new JsonObject { ["role"] = message.Role.Value, ["content"] = message.Text });
        }
        return array;
    }

    public static JsonArray? Tools(ChatOptions? options)
    {
        var declarations = options?.Tools?.OfType<AIFunctionDeclaration>().ToList();
        if (declarations is null || declarations.Count == 0)
        {
            return null;
        }
        var array = new JsonArray();
        foreach (var tool in declarations)
        {
            array.Add(new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject
                {
                    ["name"] = tool.Name,
                    ["description"] = tool.Description,
                    ["parameters"] = JsonNode.Parse(tool.JsonSchema.GetRawText()),
                },
            });
        }
        return array;
    }
}
