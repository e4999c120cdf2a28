using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;
using PgArk.Server.Api;
using static PgArk.IntegrationTests.Server.ApiCalls;

namespace PgArk.IntegrationTests.Server;

/// <summary>
/// Attacks on <c>pgark serve</c> as a web page, a rebound DNS name or an over-reaching API key would try them; each
/// asserts the refusal and that the repository and the target folders are exactly as before.
/// </summary>
public class ApiSecurityTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    /// <summary>A second host on the fixture's configuration with --no-auth (the setup the browser attacks target).</summary>
    private async Task<(WebApplication App, HttpClient Client)> StartNoAuthAsync(Func<PgArkOptions, PgArkOptions>? configure = null)
    {
        var options = ConfigLoader.Load(fixture.Harness.ConfigPath);
        var context = new OperationContext(configure?.Invoke(options) ?? options);
        var app = ApiHost.Build(new ApiHostOptions(context, "http://127.0.0.1:0", NoAuth: true));
        await app.StartAsync();
        return (app, new HttpClient { BaseAddress = ApiHost.ListeningAddress(app), Timeout = TimeSpan.FromSeconds(120) });
    }

    /// <summary>Every file under <paramref name="root"/> with its size and modification time (what "nothing changed" compares).</summary>
    internal static SortedDictionary<string, string> Snapshot(string root)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (Directory.Exists(root))
        {
            foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
            {
                var info = new FileInfo(path);
                files[Path.GetRelativePath(root, path)] = info.Exists ? $"{info.Length}@{info.LastWriteTimeUtc.Ticks}" : "dir";
            }
        }
        return files;
    }

    /// <summary>
    /// The repository without what legitimately moves while the test runs: WAL the live cluster archives, and the run
    /// history every call (refused ones too) appends to, and the alert state serve's evaluator keeps on its own clock.
    /// </summary>
    internal static SortedDictionary<string, string> BackupsSnapshot(string repository)
    {
        var all = Snapshot(repository);
        // serve's alert service rewrites alerts-state.json on its own when an alert or the WAL lag changes (through a
        // temporary file beside it, which a snapshot can catch mid-write).
        foreach (var moving in all.Keys.Where(k => k.Contains("/wal", StringComparison.Ordinal) || k.Contains("/history", StringComparison.Ordinal)
            || k.Contains("alerts-state.json", StringComparison.Ordinal)).ToList())
        {
            all.Remove(moving);
        }
        return all;
    }

    private static async Task<(HttpStatusCode Status, string Body)> RawAsync(HttpClient client, string path, string body, string? contentType,
        string? origin = null, string? host = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        if (contentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        if (origin is not null)
        {
            request.Headers.TryAddWithoutValidation("Origin", origin);
        }
        if (host is not null)
        {
            request.Headers.Host = host;
        }
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task NoAuth_BrowserShapedDeleteBackup_RefusedEveryWay_RepositoryUnchanged()
    {
        var (app, client) = await StartNoAuthAsync();
        await using var appScope = app;
        using var clientScope = client;
        var before = BackupsSnapshot(fixture.Harness.RepositoryPath);
        var arguments = new Dictionary<string, object>
        {
            ["server"] = PgArkHarness.Server, ["backup_id"] = fixture.FullBackupId, ["confirm"] = true,
        };
        var delete = JsonSerializer.Serialize(new { tool = "delete_backup", arguments });
        var mcpDelete = JsonSerializer.Serialize(new
        {
            jsonrpc = "2.0", id = 1, method = "tools/call", @params = new { name = "delete_backup", arguments },
        });

        // fetch(..., {mode: 'no-cors'}) can send only text/plain, form or multipart bodies without a preflight.
        string?[] browserTypes = ["text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", null];
        foreach (var contentType in browserTypes)
        {
            var (status, body) = await RawAsync(client, "/invoke", delete, contentType);
            Assert.True(status == HttpStatusCode.UnsupportedMediaType, $"{contentType}: {status} {body}");
            var (mcpStatus, mcpBody) = await RawAsync(client, "/mcp", mcpDelete, contentType);
            Assert.True(mcpStatus == HttpStatusCode.UnsupportedMediaType, $"{contentType}: {mcpStatus} {mcpBody}");
        }
        // A page that got a JSON body through (a CORS-enabled proxy, a future browser change) still sends its Origin.
        var (originStatus, originBody) = await RawAsync(client, "/invoke", delete, "application/json",
            origin: "https://evil.example");
        Assert.True(originStatus == HttpStatusCode.Forbidden, $"{originStatus} {originBody}");
        Assert.Contains("origin 'https://evil.example' is not allowed", originBody, StringComparison.Ordinal);
        var (mcpOriginStatus, _) = await RawAsync(client, "/mcp", mcpDelete, "application/json", origin: "null");
        Assert.Equal(HttpStatusCode.Forbidden, mcpOriginStatus);
        // DNS rebinding: the page's own name now resolves to 127.0.0.1, so the browser sends that name as Host.
        var (hostStatus, hostBody) = await RawAsync(client, "/invoke", delete, "application/json", host: "attacker.example:8001");
        Assert.True(hostStatus == HttpStatusCode.Forbidden, $"{hostStatus} {hostBody}");
        Assert.Contains("host 'attacker.example:8001' is not served here", hostBody, StringComparison.Ordinal);
        using (var get = new HttpRequestMessage(HttpMethod.Get, $"/api/servers/{PgArkHarness.Server}/backups"))
        {
            get.Headers.Host = "attacker.example";
            using var response = await client.SendAsync(get);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        Assert.Equal(before, BackupsSnapshot(fixture.Harness.RepositoryPath));
        // The same service still answers a well-formed local call.
        var (okStatus, listed, okResponse) = await SendAsync(client, HttpMethod.Post, "/invoke",
            JsonSerializer.Serialize(new { tool = "list_backups", arguments = new { server = PgArkHarness.Server } }));
        okResponse.Dispose();
        Assert.True(okStatus == HttpStatusCode.OK, listed.ToString());
        Assert.Contains(fixture.FullBackupId, listed.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task McpHttp_ViewerCallsSeedAlias_TriggerFullBackup_403_NoBackupTaken()
    {
        var before = BackupsSnapshot(fixture.Harness.RepositoryPath);
        using var viewer = fixture.Client(fixture.ViewerKey);
        var (status, body) = await RawAsync(viewer, "/mcp",
            """
            {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
             "params": {"name": "trigger_full_backup", "arguments": {"db_name": "analytics_db"}}}
            """,
            "application/json");
        Assert.True(status == HttpStatusCode.Forbidden, $"{status} {body}");
        Assert.Contains("key 'viewer' has role viewer; 'backup' needs operator", body, StringComparison.Ordinal);
        Assert.Equal(before, BackupsSnapshot(fixture.Harness.RepositoryPath));
    }

    [Fact]
    public async Task Restore_OutsidePgdataAndRoots_403_NothingTouched()
    {
        using var outside = TempFolder.Create("pgark-it-victim-");
        using var roots = TempFolder.Create("pgark-it-roots-");
        var sentinel = Path.Combine(outside.Path, "precious.txt");
        await File.WriteAllTextAsync(sentinel, "do not delete");
        Directory.CreateSymbolicLink(Path.Combine(roots.Path, "escape"), outside.Path);
        var (app, client) = await StartNoAuthAsync(o => o with { Restore = new RestoreRootsOptions([roots.Path]) });
        await using var appScope = app;
        using var clientScope = client;
        var repositoryBefore = BackupsSnapshot(fixture.Harness.RepositoryPath);
        var outsideBefore = Snapshot(outside.Path);
        var rootsBefore = Snapshot(roots.Path);
        var pgdataBefore = Snapshot(fixture.Harness.Cluster.DataDirectory).Keys.ToList();

        var attempts = new (string Pgdata, bool Delta, string Why)[]
        {
            (outside.Path, true, "neither the server's pgdata nor inside a folder listed under restore.roots"),
            ("/home", true, "neither the server's pgdata nor inside a folder listed under restore.roots"),
            (Path.Combine(roots.Path, "..", Path.GetFileName(outside.Path)), true, "neither the server's pgdata"),
            (Path.Combine(roots.Path, "escape"), true, "neither the server's pgdata"),
            (Path.Combine(roots.Path, "escape", "new"), false, "neither the server's pgdata"),
            (roots.Path, false, "neither the server's pgdata"),
            ("relative/dir", false, "it is not an absolute path"),
            (fixture.Harness.RepositoryPath + "/../" + Path.GetFileName(fixture.Harness.RepositoryPath), true, "neither the server's pgdata"),
            (fixture.Harness.Cluster.DataDirectory, true, "server 'pg1' is running there"),
        };
        foreach (var (pgdata, delta, why) in attempts)
        {
            var call = JsonSerializer.Serialize(new
            {
                tool = "restore",
                arguments = new Dictionary<string, object>
                {
                    ["server"] = PgArkHarness.Server, ["pgdata"] = pgdata, ["delta"] = delta, ["confirm"] = true,
                },
            });
            var (status, json, response) = await SendAsync(client, HttpMethod.Post, "/invoke", call);
            response.Dispose();
            Assert.True(status == HttpStatusCode.Forbidden, $"{pgdata}: {status} {json}");
            Assert.Equal("forbidden", json.GetProperty("error").GetProperty("code").GetString());
            Assert.Contains(why, json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.True(File.Exists(sentinel));
        Assert.Equal(outsideBefore, Snapshot(outside.Path));
        Assert.Equal(rootsBefore, Snapshot(roots.Path));
        Assert.Equal(repositoryBefore, BackupsSnapshot(fixture.Harness.RepositoryPath));
        // The live cluster writes its own files all the time: what matters is that every entry it had is still there.
        var missing = pgdataBefore.Except(Snapshot(fixture.Harness.Cluster.DataDirectory).Keys)
            .Where(p => !p.StartsWith("pg_stat_tmp", StringComparison.Ordinal) && !p.StartsWith("pg_wal", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, string.Join(", ", missing));
        Assert.True(fixture.Harness.Cluster.IsRunning);
    }

    [Fact]
    public async Task Restore_NewFolderInsideRoot_Allowed_OverMcpOutsideRefused()
    {
        using var roots = TempFolder.Create("pgark-it-roots-");
        var (app, client) = await StartNoAuthAsync(o => o with { Restore = new RestoreRootsOptions([roots.Path]) });
        await using var appScope = app;
        using var clientScope = client;
        var target = Path.Combine(roots.Path, "copy");
        var call = JsonSerializer.Serialize(new
        {
            tool = "restore",
            arguments = new Dictionary<string, object> { ["server"] = PgArkHarness.Server, ["pgdata"] = target, ["confirm"] = true },
        });
        var (status, json, response) = await SendAsync(client, HttpMethod.Post, "/invoke", call);
        response.Dispose();
        Assert.True(status == HttpStatusCode.OK, json.ToString());
        Assert.True(File.Exists(Path.Combine(target, "PG_VERSION")));

        using var outside = TempFolder.Create("pgark-it-victim-");
        var before = Snapshot(outside.Path);
        var mcp = JsonSerializer.Serialize(new
        {
            jsonrpc = "2.0", id = 3, method = "tools/call",
            @params = new
            {
                name = "restore",
                arguments = new Dictionary<string, object>
                {
                    ["server"] = PgArkHarness.Server, ["pgdata"] = outside.Path, ["delta"] = true, ["confirm"] = true,
                },
            },
        });
        var (mcpStatus, body) = await RawAsync(client, "/mcp", mcp, "application/json");
        Assert.Equal(HttpStatusCode.OK, mcpStatus);
        Assert.Contains("\"isError\":true", body, StringComparison.Ordinal);
        Assert.Contains("refusing to restore into", body, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(outside.Path));
    }
}
