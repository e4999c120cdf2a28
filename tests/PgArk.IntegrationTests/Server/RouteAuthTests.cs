using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using PgArk.IntegrationTests.Harness;
using static PgArk.IntegrationTests.Server.ApiCalls;

namespace PgArk.IntegrationTests.Server;

/// <summary>
/// Every mutating route the host maps, read from its endpoint data source (so routes added later are covered too):
/// 401 without a key, 403 with a viewer key. /invoke and /mcp decide by the body, so they get a call of 'backup'.
/// </summary>
public class RouteAuthTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string McpBackupCall = """{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "backup", "arguments": {"server": "pg1"}}}""";

    private List<(string Method, string Path)> MutatingRoutes() =>
        ((IEndpointRouteBuilder)fixture.App).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (m, e.RoutePattern.RawText!)))
            .Where(r => r.m is not ("GET" or "HEAD" or "OPTIONS"))
            .Select(r => (r.m, Fill(r.Item2)))
            .Distinct().ToList();

    private static string Fill(string pattern) => string.Join('/', pattern.Split('/').Select(s => s switch
    {
        "{server}" => PgArkHarness.Server,
        _ when s.StartsWith('{') => "20260101-000000F",
        _ => s,
    }));

    private static string BodyFor(string path) => path switch
    {
        "/invoke" => """{"tool": "backup", "arguments": {"server": "pg1"}}""",
        "/mcp" => McpBackupCall,
        _ => "{}",
    };

    private static HttpRequestMessage Request(string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = Json(BodyFor(path)) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return request;
    }

    [Fact]
    public async Task EveryMutatingRoute_WithoutKey401_WithViewerKey403()
    {
        var routes = MutatingRoutes();
        Assert.Contains(("POST", "/invoke"), routes);
        Assert.Contains(("POST", "/mcp"), routes);
        Assert.Contains(("POST", $"/api/servers/{PgArkHarness.Server}/backups"), routes);
        Assert.Contains(routes, r => r.Method == "DELETE" && r.Path.StartsWith("/api/jobs/", StringComparison.Ordinal));
        Assert.True(routes.Count >= 15, string.Join(", ", routes));

        using var anonymous = fixture.Client();
        using var viewer = fixture.Client(fixture.ViewerKey);
        var failures = new List<string>();
        foreach (var (method, path) in routes)
        {
            foreach (var (client, expected, code) in new[] { (anonymous, HttpStatusCode.Unauthorized, "unauthorized"), (viewer, HttpStatusCode.Forbidden, "forbidden") })
            {
                using var request = Request(method, path);
                using var response = await client.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != expected || !text.Contains($"\"code\":\"{code}\"", StringComparison.Ordinal))
                {
                    failures.Add($"{method} {path}: {(int)response.StatusCode} {text}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal([fixture.FullBackupId],
            Directory.GetDirectories(Path.Combine(fixture.Harness.RepositoryPath, "servers", PgArkHarness.Server, "backups")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task TwoHundredConcurrentReads_AllSucceed()
    {
        using var client = fixture.Client(fixture.ViewerKey);
        var paths = new[] { $"/api/servers/{PgArkHarness.Server}/backups", "/api/servers", "/api/jobs", $"/api/servers/{PgArkHarness.Server}/info" };

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            using var response = await client.GetAsync(paths[i % paths.Length]);
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, text);
        }));

        var failed = results.Where(r => r.StatusCode != HttpStatusCode.OK).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} of 200 failed, e.g. {failed.FirstOrDefault()}");
        Assert.All(results.Where((_, i) => i % paths.Length == 0), r =>
            Assert.Contains(JsonDocument.Parse(r.text).RootElement.GetProperty("backups").EnumerateArray(),
                b => b.GetProperty("id").GetString() == fixture.FullBackupId));
    }
}
