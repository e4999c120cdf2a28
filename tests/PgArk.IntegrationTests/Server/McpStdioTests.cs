using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using PgArk.IntegrationTests.Harness;

namespace PgArk.IntegrationTests.Server;

/// <summary><c>pgark mcp</c> as a child process, driven by the official MCP client over stdio.</summary>
public class McpStdioTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private async Task<McpClient> ConnectAsync()
    {
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "pgark",
            Command = PgArkHarness.Executable,
            Arguments = ["--config", fixture.Harness.ConfigPath, "mcp"],
        });
        return await McpClient.CreateAsync(transport);
    }

    [Fact]
    public async Task Mcp_ListsTools_CallsListBackups_RefusesUnconfirmedRestore()
    {
        await using var client = await ConnectAsync();

        var tools = await client.ListToolsAsync();
        var names = tools.Select(t => t.Name).ToList();
        Assert.Contains("list_backups", names);
        Assert.Contains("health", names);
        var restore = tools.Single(t => t.Name == "restore").ProtocolTool;
        Assert.True(restore.Annotations?.DestructiveHint);
        Assert.True(tools.Single(t => t.Name == "list_backups").ProtocolTool.Annotations?.ReadOnlyHint);
        Assert.Contains("confirm", restore.InputSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));

        var listed = await client.CallToolAsync("list_backups", new Dictionary<string, object?> { ["server"] = PgArkHarness.Server, ["limit"] = 10 });
        Assert.NotEqual(true, listed.IsError);
        var text = Assert.IsType<TextContentBlock>(Assert.Single(listed.Content)).Text;
        var server = Assert.Single(JsonDocument.Parse(text).RootElement.GetProperty("servers").EnumerateArray());
        Assert.Contains(server.GetProperty("backups").EnumerateArray(), b => b.GetProperty("id").GetString() == fixture.FullBackupId);

        var refused = await client.CallToolAsync("restore", new Dictionary<string, object?> { ["server"] = PgArkHarness.Server, ["pgdata"] = "/tmp/pgark-mcp-never" });
        Assert.True(refused.IsError);
        Assert.StartsWith("'restore' is destructive and needs confirmation",
            Assert.IsType<TextContentBlock>(Assert.Single(refused.Content)).Text, StringComparison.Ordinal);

        var bad = await client.CallToolAsync("list_backups", new Dictionary<string, object?> { ["limit"] = "many" });
        Assert.True(bad.IsError);
        Assert.Contains("argument 'limit'", Assert.IsType<TextContentBlock>(Assert.Single(bad.Content)).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mcp_BackupSendsProgress_ResourcesListedAndRead()
    {
        await using var client = await ConnectAsync();

        var reports = new System.Collections.Concurrent.ConcurrentQueue<ModelContextProtocol.ProgressNotificationValue>();
        var backup = await client.CallToolAsync("backup", new Dictionary<string, object?> { ["server"] = PgArkHarness.Server, ["type"] = "incr" },
            new McpHttpTests.SynchronousReports(reports));
        Assert.True(backup.IsError != true, McpHttpTests.Text(backup));
        Assert.Contains(reports, r => r.Message == "checkpoint");
        Assert.Contains(reports, r => r.Message?.StartsWith("wal", StringComparison.Ordinal) == true);

        var templates = await client.ListResourceTemplatesAsync();
        Assert.Contains(templates, t => t.UriTemplate == "pgark://servers/{server}/backups");
        var resources = await client.ListResourcesAsync();
        Assert.Equal(2, resources.Count(r => r.Uri.StartsWith($"pgark://servers/{PgArkHarness.Server}/", StringComparison.Ordinal)));
        var read = await client.ReadResourceAsync($"pgark://servers/{PgArkHarness.Server}/backups");
        Assert.Contains(fixture.FullBackupId, Assert.IsType<TextResourceContents>(Assert.Single(read.Contents)).Text, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<ModelContextProtocol.McpException>(() => client.ReadResourceAsync("pgark://servers/pg1/secrets").AsTask());
    }
}
