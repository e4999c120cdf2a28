using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using PgArk.Core.Errors;

namespace PgArk.Core.Stores.Neo4j;

/// <summary>
/// Counts nodes and relationships per label and type through Neo4j's HTTP transaction API
/// (<c>POST /db/{database}/tx/commit</c>, Neo4j 4.x and 5.x), with basic authentication when a password is configured.
/// </summary>
internal sealed class Neo4jHttpClient : IDisposable
{
    internal static readonly string[] s_statements =
    [
        "MATCH (n) RETURN count(n) AS count",
        "MATCH ()-[r]->() RETURN count(r) AS count",
        "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS count",
        "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS count",
    ];

    private readonly HttpClient _http;
    private readonly Neo4jStoreOptions _options;

    public Neo4jHttpClient(Neo4jStoreOptions options, Uri url)
    {
        _options = options;
        _http = new HttpClient { BaseAddress = new Uri(url.ToString().TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(10) };
        if (options.Password is { } password)
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.Username}:{password.Resolve()}"));
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", token);
        }
    }

    /// <summary><c>nodes</c>, <c>relationships</c>, <c>label:X</c> and <c>type:Y</c> counts of <paramref name="database"/>.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountAsync(string database, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["statements"] = new JsonArray(s_statements.Select(s => (JsonNode)new JsonObject { ["statement"] = s }).ToArray()) };
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsync($"db/{Uri.EscapeDataString(database)}/tx/commit", content, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new StoreRequestException($"Neo4j store '{_options.Name}' HTTP API at {_options.HttpUrl} cannot be reached: {ex.Message}", null,
                "check stores[].httpUrl and that Neo4j is running", ex);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new StoreRequestException($"Neo4j store '{_options.Name}' HTTP API at {_options.HttpUrl} rejected the credentials of user '{_options.Username}' (HTTP {(int)response.StatusCode})",
                    response.StatusCode, "check stores[].username and password, passwordEnv or passwordFile");
            }
            if (!response.IsSuccessStatusCode)
            {
                throw new StoreRequestException($"Neo4j store '{_options.Name}' answered the count of database '{database}' with HTTP {(int)response.StatusCode}",
                    response.StatusCode);
            }
            JsonNode json;
            try
            {
                json = JsonNode.Parse(text) ?? throw new System.Text.Json.JsonException("empty body");
            }
            catch (System.Text.Json.JsonException ex)
            {
                throw new StoreRequestException($"Neo4j store '{_options.Name}' answered with a body that is not JSON: {ex.Message}", response.StatusCode);
            }
            if (json["errors"] is JsonArray { Count: > 0 } errors)
            {
                var code = errors[0]?["code"]?.GetValue<string>();
                var message = errors[0]?["message"]?.GetValue<string>();
                if (code == "Neo.ClientError.Database.DatabaseNotFound")
                {
                    throw new NotFoundException($"database '{database}' not found on Neo4j store '{_options.Name}': {message}");
                }
                throw new StoreRequestException($"Neo4j store '{_options.Name}' failed to count database '{database}': {code}: {message}", response.StatusCode);
            }
            return Read(json["results"] as JsonArray ?? [], database);
        }
    }

    private Dictionary<string, long> Read(JsonArray results, string database)
    {
        if (results.Count != s_statements.Length)
        {
            throw new StoreRequestException($"Neo4j store '{_options.Name}' returned {results.Count} results for {s_statements.Length} statements on '{database}'", null);
        }
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        counts["nodes"] = Rows(results[0]).Select(r => r[0]!.GetValue<long>()).FirstOrDefault();
        counts["relationships"] = Rows(results[1]).Select(r => r[0]!.GetValue<long>()).FirstOrDefault();
        foreach (var row in Rows(results[2]))
        {
            counts[$"label:{row[0]!.GetValue<string>()}"] = row[1]!.GetValue<long>();
        }
        foreach (var row in Rows(results[3]))
        {
            counts[$"type:{row[0]!.GetValue<string>()}"] = row[1]!.GetValue<long>();
        }
        return counts;
    }

    private static IEnumerable<JsonArray> Rows(JsonNode? result) =>
        (result?["data"] as JsonArray ?? []).Select(d => d?["row"] as JsonArray).OfType<JsonArray>();

    public void Dispose() => _http.Dispose();
}
