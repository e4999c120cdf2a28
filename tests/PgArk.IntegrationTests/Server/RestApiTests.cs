using System.Net;
using System.Text;
using System.Text.Json;
using PgArk.IntegrationTests.Harness;

namespace PgArk.IntegrationTests.Server;

/// <summary><c>pgark serve</c> against a real cluster: seed 000's calls, resource routes, keys and roles, bad requests.</summary>
public class RestApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<(HttpStatusCode Status, JsonElement Json)> PostAsync(HttpClient client, string json)
    {
        using var body = Body(json);
        using var response = await client.PostAsync("/invoke", body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task<(HttpStatusCode Status, JsonElement Json)> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static void AssertError(HttpStatusCode expected, string code, string messageStart, (HttpStatusCode Status, JsonElement Json) response)
    {
        Assert.True(expected == response.Status, $"{response.Status}: {response.Json}");
        var error = response.Json.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.StartsWith(messageStart, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", response.Json.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Seed000_ListBackups_DbNameAndLimit_FindsServerAndBackup()
    {
        using var client = fixture.Client(fixture.ViewerKey);
        var (status, json) = await PostAsync(client, """{"tool": "list_backups", "arguments": {"db_name": "analytics_db", "limit": 5}}""");

        Assert.True(status == HttpStatusCode.OK, json.ToString());
        Assert.Equal("list_backups", json.GetProperty("operation").GetString());
        var result = json.GetProperty("result");
        Assert.Equal(ServerFixture.Database, result.GetProperty("database").GetString());
        var server = Assert.Single(result.GetProperty("servers").EnumerateArray());
        Assert.Equal(PgArkHarness.Server, server.GetProperty("server").GetString());
        var backups = server.GetProperty("backups").EnumerateArray().ToList();
        Assert.InRange(backups.Count, 1, 5);
        Assert.Contains(backups, b => b.GetProperty("id").GetString() == fixture.FullBackupId);
        Assert.True(backups.All(b => b.GetProperty("wal_complete").GetBoolean()));
    }

    [Fact]
    public async Task Seed000_Health_ReportsServerAndRepository()
    {
        using var client = fixture.Client(fixture.ViewerKey);
        var (status, json) = await PostAsync(client, """{"tool": "health", "arguments": {}}""");

        Assert.True(status == HttpStatusCode.OK, json.ToString());
        var result = json.GetProperty("result");
        var server = Assert.Single(result.GetProperty("servers").EnumerateArray());
        Assert.True(server.GetProperty("connected").GetBoolean(), server.ToString());
        Assert.True(server.GetProperty("pg_version_num").GetInt32() >= 130000);
        Assert.True(server.GetProperty("archive").GetProperty("archived_count").GetInt64() > 0, server.ToString());
        Assert.True(Assert.Single(result.GetProperty("repositories").EnumerateArray()).GetProperty("reachable").GetBoolean());
        Assert.Equal("ok", result.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Seed000_TriggerIncrementalBackup_NeedsOperatorKey()
    {
        const string call = """{"tool": "trigger_incremental_backup", "arguments": {"db_name": "analytics_db"}}""";
        using (var anonymous = fixture.Client())
        {
            AssertError(HttpStatusCode.Unauthorized, "unauthorized", "missing API key", await PostAsync(anonymous, call));
        }
        using (var wrong = fixture.Client("pgark_not-a-real-key"))
        {
            AssertError(HttpStatusCode.Unauthorized, "unauthorized", "unknown API key", await PostAsync(wrong, call));
        }
        using (var viewer = fixture.Client(fixture.ViewerKey))
        {
            AssertError(HttpStatusCode.Forbidden, "forbidden", "key 'viewer' has role viewer; 'backup' needs operator", await PostAsync(viewer, call));
        }

        using var client = fixture.Client(fixture.OperatorKey);
        var (status, json) = await PostAsync(client, call);

        Assert.True(status == HttpStatusCode.OK, json.ToString());
        Assert.Equal("backup", json.GetProperty("operation").GetString());
        var result = json.GetProperty("result");
        Assert.Equal(PgArkHarness.Server, result.GetProperty("server").GetString());
        Assert.Equal("incr", result.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(result.GetProperty("parent").GetString()));
        var (_, listed) = await GetAsync(client, $"/api/servers/{PgArkHarness.Server}/backups");
        Assert.Contains(listed.GetProperty("backups").EnumerateArray(), b => b.GetProperty("id").GetString() == result.GetProperty("backup_id").GetString());
    }

    [Fact]
    public async Task Restore_WithoutConfirm_Refused409_ViewerCannotEvenTry403()
    {
        const string call = """{"tool": "restore", "arguments": {"server": "pg1", "pgdata": "/tmp/pgark-never-used"}}""";
        using var admin = fixture.Client(fixture.AdminKey);
        AssertError(HttpStatusCode.Conflict, "refused", "'restore' is destructive and needs confirmation", await PostAsync(admin, call));
        using var viewer = fixture.Client(fixture.ViewerKey);
        AssertError(HttpStatusCode.Forbidden, "forbidden", "key 'viewer' has role viewer; 'restore' needs admin", await PostAsync(viewer, call));
        Assert.False(Directory.Exists("/tmp/pgark-never-used"));
    }

    [Fact]
    public async Task ServerBackups_ListsTheHarnessBackup()
    {
        using var client = fixture.Client(fixture.ViewerKey);
        var (status, json) = await GetAsync(client, $"/api/servers/{PgArkHarness.Server}/backups");

        Assert.True(status == HttpStatusCode.OK, json.ToString());
        Assert.Equal(PgArkHarness.Server, json.GetProperty("server").GetString());
        var backup = json.GetProperty("backups").EnumerateArray().Single(b => b.GetProperty("id").GetString() == fixture.FullBackupId);
        Assert.Equal("full", backup.GetProperty("type").GetString());

        AssertError(HttpStatusCode.NotFound, "not_found", "server 'nope' is not configured", await GetAsync(client, "/api/servers/nope/backups"));
        using var anonymous = fixture.Client();
        AssertError(HttpStatusCode.Unauthorized, "unauthorized", "missing API key", await GetAsync(anonymous, "/api/servers"));
    }

    [Fact]
    public async Task ServersDatabasesAndOpenApi_Answer()
    {
        using var client = fixture.Client(fixture.ViewerKey);
        var (_, servers) = await GetAsync(client, "/api/servers");
        Assert.Equal(PgArkHarness.Server, Assert.Single(servers.GetProperty("servers").EnumerateArray()).GetProperty("name").GetString());

        var (_, databases) = await GetAsync(client, "/api/databases");
        var pg1 = Assert.Single(databases.GetProperty("servers").EnumerateArray());
        Assert.Contains(ServerFixture.Database, pg1.GetProperty("databases").EnumerateArray().Select(d => d.GetString()));
        Assert.DoesNotContain("template1", pg1.GetProperty("databases").EnumerateArray().Select(d => d.GetString()));

        var (status, openApi) = await GetAsync(client, "/openapi.json");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("3.", openApi.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var variants = openApi.GetProperty("paths").GetProperty("/invoke").GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("oneOf").EnumerateArray().ToList();
        Assert.Contains(variants, v => v.GetProperty("title").GetString() == "list_backups");
    }

    [Fact]
    public async Task BadRequests_Clear4xx_ServiceKeepsAnswering()
    {
        using var client = fixture.Client(fixture.OperatorKey);
        AssertError(HttpStatusCode.BadRequest, "usage", "request body is not valid JSON", await PostAsync(client, """{"tool": "health", """));
        AssertError(HttpStatusCode.BadRequest, "usage", "request body must be an object with a string 'tool'", await PostAsync(client, "[]"));
        AssertError(HttpStatusCode.NotFound, "not_found", "unknown tool 'drop_database'", await PostAsync(client, """{"tool": "drop_database"}"""));
        AssertError(HttpStatusCode.BadRequest, "usage", "argument 'limit' of 'list_backups' has the wrong type: expected integer",
            await PostAsync(client, """{"tool": "list_backups", "arguments": {"limit": "five"}}"""));
        AssertError(HttpStatusCode.BadRequest, "usage", "missing required argument 'server' for 'verify'",
            await PostAsync(client, """{"tool": "verify", "arguments": {}}"""));
        AssertError(HttpStatusCode.NotFound, "not_found", "database 'no_such_db' was not found on any configured server",
            await PostAsync(client, """{"tool": "trigger_incremental_backup", "arguments": {"db_name": "no_such_db"}}"""));

        var huge = $$"""{"tool": "health", "arguments": {}, "padding": "{{new string('x', 2 * 1024 * 1024)}}"}""";
        // Expect: 100-continue lets the server answer 413 before the client sends the 2 MB (no race with the connection close).
        using var request = new HttpRequestMessage(HttpMethod.Post, "/invoke") { Content = Body(huge) };
        request.Headers.ExpectContinue = true;
        using (var response = await client.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Equal("payload_too_large", error.GetProperty("code").GetString());
        }

        using var next = fixture.Client(fixture.ViewerKey);
        var (status, json) = await PostAsync(next, """{"tool": "health"}""");
        Assert.True(status == HttpStatusCode.OK, json.ToString());
    }
}
