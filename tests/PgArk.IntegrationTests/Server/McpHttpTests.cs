using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using PgArk.IntegrationTests.Harness;

namespace PgArk.IntegrationTests.Server;

/// <summary><c>/mcp</c> inside <c>pgark serve</c>, driven by the official MCP C# client over Streamable HTTP with a bearer key.</summary>
public class McpHttpTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
#pragma warning disable CA2000 // the McpClient owns the session the transport opens and ends it on dispose; the transport itself holds only its own HttpClient for the test's life
    private async Task<McpClient> ConnectAsync(string key) => await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
    {
        Endpoint = new Uri(fixture.BaseAddress, "/mcp"),
        TransportMode = HttpTransportMode.StreamableHttp,
        AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {key}" },
    }));
#pragma warning restore CA2000

    [Fact]
    public async Task McpHttp_ToolsListBackupsResources_BackupWithProgress_UnconfirmedRestoreRefused()
    {
        await using var client = await ConnectAsync(fixture.AdminKey);

        var tools = await client.ListToolsAsync();
        Assert.Contains("list_backups", tools.Select(t => t.Name));
        Assert.True(tools.Single(t => t.Name == "restore").ProtocolTool.Annotations?.DestructiveHint);
        Assert.True(tools.Single(t => t.Name == "info").ProtocolTool.Annotations?.ReadOnlyHint);

        var listed = await client.CallToolAsync("list_backups", new Dictionary<string, object?> { ["server"] = PgArkHarness.Server });
        Assert.NotEqual(true, listed.IsError);
        Assert.Contains(fixture.FullBackupId, Text(listed), StringComparison.Ordinal);

        var reports = new ConcurrentQueue<ProgressNotificationValue>();
        var backup = await client.CallToolAsync("backup", new Dictionary<string, object?> { ["server"] = PgArkHarness.Server, ["type"] = "incr" },
            new SynchronousReports(reports));
        Assert.True(backup.IsError != true, Text(backup));
        var backupId = JsonDocument.Parse(Text(backup)).RootElement.GetProperty("backup_id").GetString();
        Assert.NotEmpty(reports);
        Assert.Contains(reports, r => r.Message?.StartsWith("wal", StringComparison.Ordinal) == true);
        // The client may hand notifications over concurrently, so check the values, not their arrival order.
        Assert.Equal(reports.Max(r => r.Progress), reports.Single(r => r.Message?.StartsWith("wal", StringComparison.Ordinal) == true).Progress);

        var refused = await client.CallToolAsync("restore", new Dictionary<string, object?> { ["server"] = PgArkHarness.Server, ["pgdata"] = "/tmp/pgark-mcp-http-never" });
        Assert.True(refused.IsError);
        Assert.StartsWith("'restore' is destructive and needs confirmation", Text(refused), StringComparison.Ordinal);
        Assert.False(Directory.Exists("/tmp/pgark-mcp-http-never"));

        var resources = await client.ListResourcesAsync();
        Assert.Contains(resources, r => r.Uri == $"pgark://servers/{PgArkHarness.Server}/backups");
        Assert.Contains(resources, r => r.Uri == $"pgark://servers/{PgArkHarness.Server}/info");
        var read = await client.ReadResourceAsync($"pgark://servers/{PgArkHarness.Server}/backups");
        var contents = Assert.IsType<TextResourceContents>(Assert.Single(read.Contents));
        Assert.Contains(backupId!, contents.Text, StringComparison.Ordinal);
        var info = await client.ReadResourceAsync($"pgark://servers/{PgArkHarness.Server}/info");
        Assert.Contains("wal_ranges", Assert.IsType<TextResourceContents>(Assert.Single(info.Contents)).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task McpHttp_ViewerReadsButCannotBackup_OperatorCannotRestore_NoKeyRejected()
    {
        await using (var operatorClient = await ConnectAsync(fixture.OperatorKey))
        {
            var ex = await Assert.ThrowsAnyAsync<Exception>(() => operatorClient.CallToolAsync("restore",
                new Dictionary<string, object?> { ["server"] = PgArkHarness.Server, ["pgdata"] = "/tmp/pgark-never", ["confirm"] = true }).AsTask());
            Assert.Contains("403", ex.ToString(), StringComparison.Ordinal);
        }
        await using (var viewer = await ConnectAsync(fixture.ViewerKey))
        {
            var listed = await viewer.CallToolAsync("list_backups", new Dictionary<string, object?> { ["server"] = PgArkHarness.Server });
            Assert.NotEqual(true, listed.IsError);
            var ex = await Assert.ThrowsAnyAsync<Exception>(() => viewer.CallToolAsync("backup",
                new Dictionary<string, object?> { ["server"] = PgArkHarness.Server }).AsTask());
            Assert.Contains("403", ex.ToString(), StringComparison.Ordinal);
        }
        await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync("pgark_wrong"));

        using var http = fixture.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = ApiCalls.Json("""{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}""") };
        request.Headers.Add("Accept", "application/json, text/event-stream");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task McpHttp_MalformedBodies_Clear4xx_ServiceKeepsAnswering()
    {
        using var http = fixture.Client(fixture.ViewerKey);
        foreach (var (body, accept, expected) in new[]
                 {
                     ("{not json", "application/json, text/event-stream", HttpStatusCode.BadRequest),
                     ("""{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}""", "application/json", HttpStatusCode.NotAcceptable),
                 })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = ApiCalls.Json(body) };
            request.Headers.Add("Accept", accept);
            using var response = await http.SendAsync(request);
            Assert.Equal(expected, response.StatusCode);
        }

        await using var client = await ConnectAsync(fixture.ViewerKey);
        var unknown = await client.CallToolAsync("drop_everything");
        Assert.True(unknown.IsError);
        Assert.StartsWith("unknown tool 'drop_everything'", Text(unknown), StringComparison.Ordinal);
        var wrongType = await client.CallToolAsync("list_backups", new Dictionary<string, object?> { ["limit"] = "many" });
        Assert.True(wrongType.IsError);
        Assert.Contains("argument 'limit'", Text(wrongType), StringComparison.Ordinal);
        Assert.NotEmpty(await client.ListToolsAsync());
    }

    internal static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;

    /// <summary>Records reports as they arrive (Progress&lt;T&gt; would post them to the thread pool, out of order).</summary>
    internal sealed class SynchronousReports(ConcurrentQueue<ProgressNotificationValue> reports) : IProgress<ProgressNotificationValue>
    {
        public void Report(ProgressNotificationValue value) => reports.Enqueue(value);
    }
}
