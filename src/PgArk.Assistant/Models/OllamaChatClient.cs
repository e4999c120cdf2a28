using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace PgArk.Assistant.Models;

/// <summary>
/// Ollama's <c>POST /api/chat</c> (non-streaming) with <c>tools</c>; the reply's <c>message.tool_calls[].function</c> carries
/// the name and the arguments as a JSON object (https://github.com/ollama/ollama/blob/main/docs/api.md#chat-request-with-tools).
/// </summary>
public sealed class OllamaChatClient(HttpClient http, Uri baseAddress, string model) : ToolCallingChatClient
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["messages"] = ChatRequestJson.Messages(messages),
            ["stream"] = false,
            ["options"] = new JsonObject { ["temperature"] = 0 },
        };
        if (ChatRequestJson.Tools(options) is { } tools)
        {
            body["tools"] = tools;
        }
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(baseAddress, "api/chat"), content, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(text);
        var message = document.RootElement.GetProperty("message");
        return new ChatResponse(ReadMessage(message)) { ModelId = model };
    }
}
