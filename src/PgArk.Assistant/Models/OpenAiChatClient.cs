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
public sealed class OpenAiChatClient(HttpClient http, Uri baseAddress, string model, string? apiKey) : ToolCallingChatClient
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
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
        return new ChatResponse(ReadMessage(message)) { ModelId = model };
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
}
