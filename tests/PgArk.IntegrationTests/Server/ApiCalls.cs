using System.Net;
using System.Text;
using System.Text.Json;

namespace PgArk.IntegrationTests.Server;

/// <summary>Small helpers for REST calls in the server tests: send, read the JSON, poll jobs.</summary>
internal static class ApiCalls
{
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<(HttpStatusCode Status, JsonElement Json, HttpResponseMessage Response)> SendAsync(HttpClient client, HttpMethod method,
        string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null || method == HttpMethod.Delete)
        {
            // The server wants Content-Type: application/json on every POST and DELETE, even an empty one.
            request.Content = Json(body ?? "");
        }
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    /// <summary>Polls a job until it is final, returning every snapshot seen (the last one is final).</summary>
    public static async Task<List<JsonElement>> PollJobAsync(HttpClient client, string location, Func<JsonElement, bool>? until = null)
    {
        var seen = new List<JsonElement>();
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            var (status, json, response) = await SendAsync(client, HttpMethod.Get, location);
            response.Dispose();
            Assert.True(status == HttpStatusCode.OK, $"{status}: {json}");
            seen.Add(json);
            if (IsFinal(json) || (until?.Invoke(json) ?? false))
            {
                return seen;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"job {location} did not finish; last: {seen.LastOrDefault()}");
    }

    public static bool IsFinal(JsonElement job) => job.GetProperty("state").GetString() is "succeeded" or "failed" or "cancelled";
}
