using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace PgArk.Assistant.Models;

/// <summary>
/// An OpenAI-compatible <c>POST /v1/chat/completions</c> with <c>tools</c>; the reply's
/// <c>choices[0].message.tool_calls[].function</c> carries the name and the arguments as a JSON <em>string</em>.
/// </summary>
public sealed class OpenAiChatClient(HttpClient http, Uri baseAddress, string model, string? apiKey) : IChatClient
{
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["messages"] = ChatRequestJson.Messages(messages),
            ["temperature"] = 0,
        };
        if (ChatRequestJson.Tools(options) is { } tools)
        {
            body["tools"] = tools;
            body["tool_choice"] = "required";
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(VersionedBase(baseAddress), "chat/completions"))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(text);
        var message = document.RootElement.GetProperty("choices")[0].GetProperty("message");
        var contents = new List<AIContent>();
        if (message.TryGetProperty("content", out var said) && said.ValueKind == JsonValueKind.String && said.GetString() is { Length: > 0 } words)
        {
            contents.Add(new TextContent(words));
        }
        if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
            {
                var function = call.GetProperty("function");
                var arguments = function.TryGetProperty("arguments", out var a) ? a : default;
                var id = call.TryGetProperty("id", out var callId) ? callId.GetString() ?? "" : "";
                contents.Add(ToolCallParsing.ToContent(id, function.GetProperty("name").GetString() ?? "", arguments));
            }
        }
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, contents)) { ModelId = model };
    }

    /// <summary>"http://host:8000" and "http://host:8000/v1" both mean the /v1 API; a trailing slash makes Uri combine under it.</summary>
    internal static Uri VersionedBase(Uri url)
    {
        var path = url.AbsolutePath.TrimEnd('/');
        if (!path.EndsWith("/v1", StringComparison.Ordinal))
        {
            path += "/v1";
        }
        return new UriBuilder(url) { Path = path + "/" }.Uri;
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
