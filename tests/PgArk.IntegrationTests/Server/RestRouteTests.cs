using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using PgArk.IntegrationTests.Harness;
using PgArk.Server.Auth;
using static PgArk.IntegrationTests.Server.ApiCalls;

namespace PgArk.IntegrationTests.Server;

/// <summary>
/// The resource routes over the registry, and every mutating route the host maps, read from its endpoint data source (so routes added later are covered too):
/// 401 without a key, 403 with a viewer key. /invoke and /mcp decide by the body, so they get a call of 'backup'.
/// </summary>
public class RestRouteTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string McpBackupCall = """{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "backup", "arguments": {"server": "pg1"}}}""";

    private List<(string Method, string Path)> MutatingRoutes() =>
        ((IEndpointRouteBuilder)fixture.App).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (m, e.RoutePattern.RawText!)))
            .Where(r => r.m is not ("GET" or "HEAD" or "OPTIONS"))
            // Sign-in is where a key becomes a session, so it takes none; SignIn_WrongOrMissingKey_Refused tries it.
            .Where(r => r.Item2 != PgArk.Server.Dashboard.DashboardEndpoints.SessionPath)
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
            foreach (var (client, expected, code) in new[] { (anonymous, HttpStatusCode.Unauthorized, "\"code\":\"unauthorized\""), (viewer, HttpStatusCode.Forbidden, "\"code\":\"forbidden\"") })
            {
                // Ending an MCP session is any key's right over its own session (McpHttpElicitationTests: another key's is
                // 403), so a viewer's DELETE /mcp passes the role check; without a session there is nothing to end: 404.
                var (wanted, body) = client == viewer && (method, path) == ("DELETE", "/mcp")
                    ? (HttpStatusCode.NotFound, "Session not found")
                    : (expected, code);
                using var request = Request(method, path);
                using var response = await client.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != wanted || !text.Contains(body, StringComparison.Ordinal))
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
    public async Task SignIn_WrongOrMissingKey_Refused_RightKeyGetsAnHttpOnlyStrictCookie()
    {
        using var anonymous = fixture.Client();
        using var wrongBody = Json($$"""{"key": "{{ApiKeys.Create().Key}}"}""");
        using (var wrong = await anonymous.PostAsync("/api/session", wrongBody))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.False(wrong.Headers.Contains("Set-Cookie"));
        }
        using var missingBody = Json("{}");
        using (var missing = await anonymous.PostAsync("/api/session", missingBody))
        {
            Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
            Assert.False(missing.Headers.Contains("Set-Cookie"));
        }
        using var rightBody = Json($$"""{"key": "{{fixture.ViewerKey}}"}""");
        using var right = await anonymous.PostAsync("/api/session", rightBody);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        var cookie = Assert.Single(right.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(fixture.ViewerKey, cookie, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(await right.Content.ReadAsStringAsync());
        Assert.Equal("viewer", body.RootElement.GetProperty("role").GetString());
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

    [Fact]
    public async Task ResourceRoutes_CallTheRegistry_ErrorsAreTyped_OpenApiListsThem()
    {
        using var viewer = fixture.Client(fixture.ViewerKey);
        using var admin = fixture.Client(fixture.AdminKey);
        var server = PgArkHarness.Server;

        var (status, info, r1) = await SendAsync(viewer, HttpMethod.Get, $"/api/servers/{server}/info");
        r1.Dispose();
        Assert.True(status == HttpStatusCode.OK, info.ToString());
        var described = Assert.Single(info.GetProperty("servers").EnumerateArray());
        Assert.Contains(described.GetProperty("backups").EnumerateArray(), b => b.GetProperty("id").GetString() == fixture.FullBackupId);

        var (healthStatus, health, r2) = await SendAsync(viewer, HttpMethod.Get, $"/api/health?server={server}");
        r2.Dispose();
        Assert.True(healthStatus == HttpStatusCode.OK, health.ToString());
        Assert.Equal("ok", health.GetProperty("status").GetString());

        var (dumpsStatus, dumps, r3) = await SendAsync(viewer, HttpMethod.Get, $"/api/servers/{server}/dumps?database={ServerFixture.Database}");
        r3.Dispose();
        Assert.True(dumpsStatus == HttpStatusCode.OK, dumps.ToString());

        // A restore without confirm is refused before anything runs; expire applies the configured retention, which is
        // routine (no confirm), and its dry run is accepted as a job.
        var (refused, refusal, r4) = await SendAsync(admin, HttpMethod.Post, $"/api/servers/{server}/restore",
            """{"pgdata": "/nonexistent/pgark-refused"}""");
        r4.Dispose();
        Assert.True(refused == HttpStatusCode.Conflict, refusal.ToString());
        Assert.StartsWith("'restore' is destructive and needs confirmation", Message(refusal), StringComparison.Ordinal);
        var (planned, plan, r4b) = await SendAsync(admin, HttpMethod.Post, $"/api/servers/{server}/expire", """{"dry_run": true}""");
        r4b.Dispose();
        Assert.True(planned == HttpStatusCode.Accepted, plan.ToString());

        var (badType, typeError, r5) = await SendAsync(admin, HttpMethod.Post, $"/api/servers/{server}/backups", """{"jobs": "many"}""");
        r5.Dispose();
        Assert.True(badType == HttpStatusCode.BadRequest, typeError.ToString());
        Assert.StartsWith("argument 'jobs' of 'backup' has the wrong type", Message(typeError), StringComparison.Ordinal);
        var (otherServer, conflict, r6) = await SendAsync(admin, HttpMethod.Post, $"/api/servers/{server}/backups", """{"server": "pg2"}""");
        r6.Dispose();
        Assert.True(otherServer == HttpStatusCode.BadRequest, conflict.ToString());
        var (notJson, parseError, r7) = await SendAsync(admin, HttpMethod.Post, $"/api/servers/{server}/verify", "{oops");
        r7.Dispose();
        Assert.True(notJson == HttpStatusCode.BadRequest, parseError.ToString());
        Assert.StartsWith("request body is not valid JSON", Message(parseError), StringComparison.Ordinal);
        var (badQuery, queryError, r8) = await SendAsync(viewer, HttpMethod.Get, $"/api/servers/{server}/info?server=other");
        r8.Dispose();
        Assert.True(badQuery == HttpStatusCode.BadRequest, queryError.ToString());
        var (missing, notFound, r9) = await SendAsync(viewer, HttpMethod.Get, "/api/servers/nope/info");
        r9.Dispose();
        Assert.True(missing == HttpStatusCode.NotFound, notFound.ToString());

        var (_, openApi, r10) = await SendAsync(viewer, HttpMethod.Get, "/openapi.json");
        r10.Dispose();
        var paths = openApi.GetProperty("paths");
        Assert.True(paths.GetProperty("/api/servers/{server}/backups").GetProperty("post").GetProperty("responses").TryGetProperty("202", out _));
        Assert.True(paths.GetProperty("/api/jobs/{id}").TryGetProperty("delete", out _));
        foreach (var route in ((IEndpointRouteBuilder)fixture.App).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
                     .Select(e => e.RoutePattern.RawText!).Where(p => p.StartsWith("/api/", StringComparison.Ordinal)))
        {
            Assert.True(paths.TryGetProperty(route, out _), $"{route} is not in /openapi.json");
        }
    }

    private static string? Message(JsonElement error) => error.GetProperty("error").GetProperty("message").GetString();
}
