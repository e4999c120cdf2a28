using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;

namespace PgArk.Assistant.Routing;

/// <summary>Calls one agent (<c>pgark serve</c>) through <c>POST /invoke</c> with its bearer key; errors come back typed.</summary>
public sealed class AgentClient(AgentOptions options, HttpClient http, Func<string, string?> getEnvironmentVariable)
{
    public string Name => options.Name;

    public Uri BaseAddress => options.Url;

    /// <summary>Runs <paramref name="tool"/> on the agent and returns its JSON result.</summary>
    /// <exception cref="PgArkException">The agent's error (same kind as on the agent), or unreachable (failed).</exception>
    public async Task<JsonNode?> InvokeAsync(string tool, JsonObject arguments, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.Url, "invoke"));
        var body = new JsonObject { ["tool"] = tool, ["arguments"] = arguments.DeepClone() };
        request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        if (options.ApiKeyEnv is { } keyEnv)
        {
            var key = getEnvironmentVariable(keyEnv)
                ?? throw new ConfigurationException($"agent '{options.Name}': environment variable {keyEnv} (its API key) is not set");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new OperationFailedException($"agent '{options.Name}' at {options.Url} is unreachable: {ex.Message}", innerException: ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new OperationFailedException($"agent '{options.Name}' at {options.Url} did not answer in time", innerException: ex);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            JsonNode? json;
            try
            {
                json = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                throw new OperationFailedException($"agent '{options.Name}' answered {(int)response.StatusCode} with a body that is not JSON");
            }
            if (!response.IsSuccessStatusCode)
            {
                throw ToException(json?["error"], (int)response.StatusCode);
            }
            return json?["result"]?.DeepClone();
        }
    }

    private PgArkException ToException(JsonNode? error, int status)
    {
        var message = $"agent '{options.Name}': {error?["message"]?.GetValue<string>() ?? $"HTTP {status}"}";
        var hint = error?["hint"]?.GetValue<string>();
        return (error?["code"]?.GetValue<string>(), status) switch
        {
            ("usage", _) => new UsageException(message, hint),
            ("not_found", _) => new NotFoundException(message, hint),
            ("refused", _) or (_, 401 or 403) => new RefusedException(message, hint),
            ("integrity", _) => new IntegrityException(message, hint),
            _ => new OperationFailedException(message, hint),
        };
    }
}
