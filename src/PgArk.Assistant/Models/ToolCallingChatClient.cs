using System.Text.Json;
using Microsoft.Extensions.AI;

namespace PgArk.Assistant.Models;

/// <summary>
/// What both provider clients share: a non-streaming request/reply, and the reading of a reply message's text and
/// <c>tool_calls[].function</c> (arguments as a JSON object, Ollama, or as a JSON string, OpenAI) into contents.
/// </summary>
public abstract class ToolCallingChatClient : IChatClient
{
    public abstract Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default);

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
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Nothing to release here: the HttpClient a provider client uses belongs to whoever passed it in.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>The assistant message of a reply: its text, and each tool call (the provider's id, or a made-up one).</summary>
    protected static ChatMessage ReadMessage(JsonElement message)
    {
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
                var id = call.TryGetProperty("id", out var given) && given.GetString() is { Length: > 0 } text ? text : $"call-{index}";
                contents.Add(ToContent(id, function.GetProperty("name").GetString() ?? "", arguments));
                index++;
            }
        }
        return new ChatMessage(ChatRole.Assistant, contents);
    }

    /// <summary>Malformed arguments are kept as a call whose <see cref="FunctionCallContent.Exception"/> says why.</summary>
    private static FunctionCallContent ToContent(string callId, string name, JsonElement arguments)
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
