using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace PgArk.Assistant.Models;

/// <summary>
/// Ollama's <c>POST /api/chat</c> (non-streaming) with <c>tools</c>; the reply's <c>message.tool_calls[].function</c> carries
/// the name and the arguments as a JSON object (https://github.com/ollama/ollama/blob/main/docs/api.md#chat-request-with-tools).
/// </summary>
public sealed class OllamaChatClient(HttpClient http, Uri baseAddress, string model) : IChatClient
{
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
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
        var contents = new List<AIContent>();
        if (message.TryGetProperty("content", out var said) && said.ValueKind == JsonValueKind.String && said.GetString() is { Length: > 0 } words)
        {
            contents.Add(new TextContent(words));
        }
        if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var call in calls.EnumerateArray())
            {
                var function = call.GetProperty("function");
                var arguments = function.TryGetProperty("arguments", out var a) ? a : default;
                contents.Add(ToolCallParsing.ToContent($"ollama-{index++}", function.GetProperty("name").GetString() ?? "", arguments));
            }
        }
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, contents)) { ModelId = model };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // The planner needs the whole tool call before it can validate it, so the reply is fetched whole and replayed.
        var response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
