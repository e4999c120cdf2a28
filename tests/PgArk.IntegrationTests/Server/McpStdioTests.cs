using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using PgArk.IntegrationTests.Harness;

namespace PgArk.IntegrationTests.Server;

/// <summary><c>pgark mcp</c> as a child process, driven by the official MCP client over stdio.</summary>
public class McpStdioTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private async Task<McpClient> ConnectAsync(McpClientOptions? options = null)
    {
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "pgark",
            Command = PgArkHarness.Executable,
            Arguments = ["--config", fixture.Harness.ConfigPath, "mcp"],
        });
        // The SDK's client probes 'server/discover' for 5 s before falling back to 'initialize'; on a loaded machine the
        // server answers the probe after the client gave up, and then refuses the initialize. No probe time limit here.
        options ??= new McpClientOptions();
        options.DiscoverProbeTimeout = Timeout.InfiniteTimeSpan;
        return await McpClient.CreateAsync(transport, options);
    }

    [Fact]
    public async Task Mcp_DestructiveToolWithElicitation_DeclinedNothingDeleted_AcceptedDeleted()
    {
        var backup = await fixture.Harness.RunAsync("--output", "json", "backup", "--server", PgArkHarness.Server, "--type", "full");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var id = JsonDocument.Parse(backup.Stdout).RootElement.GetProperty("backup_id").GetString()!;
        var manifest = Path.Combine(fixture.Harness.RepositoryPath, Core.Catalog.RepositoryLayout.BackupsFolder(PgArkHarness.Server), id,
            Core.Catalog.RepositoryLayout.ManifestFileName);
        Assert.True(File.Exists(manifest));
        var accept = false;
        var asked = new List<string>();
        var options = new McpClientOptions
        {
            // The initialize handshake, so that the client's elicitation capability holds for the session.
            ProtocolVersion = "2025-11-25",
            Capabilities = new ClientCapabilities { Elicitation = new ElicitationCapability { Form = new FormElicitationCapability() } },
            Handlers = new McpClientHandlers
            {
                ElicitationHandler = (request, _) =>
                {
                    asked.Add(request?.Message ?? "");
                    return ValueTask.FromResult(accept
                        ? new ElicitResult { Action = "accept", Content = new Dictionary<string, JsonElement> { ["confirm"] = JsonSerializer.SerializeToElement(true) } }
                        : new ElicitResult { Action = "decline" });
                },
            },
        };
        await using var client = await ConnectAsync(options);

        // The model says confirm; the human declines: nothing is deleted.
        var declined = await client.CallToolAsync("delete_backup", new Dictionary<string, object?>
            { ["server"] = PgArkHarness.Server, ["backup_id"] = id, ["confirm"] = true });
        Assert.True(declined.IsError);
        Assert.Equal("'delete_backup' not run: the user did not confirm it (decline); nothing was changed", McpHttpTests.Text(declined));
        Assert.True(File.Exists(manifest));
        Assert.Contains($"Run 'delete_backup' with {{\"server\":\"{PgArkHarness.Server}\",\"backup_id\":\"{id}\"}}?", Assert.Single(asked), StringComparison.Ordinal);

        // The model gives no confirm at all; the human accepts: deleted.
        accept = true;
        var deleted = await client.CallToolAsync("delete_backup", new Dictionary<string, object?> { ["server"] = PgArkHarness.Server, ["backup_id"] = id });
        Assert.True(deleted.IsError != true, McpHttpTests.Text(deleted));
        Assert.False(File.Exists(manifest));
        Assert.Equal(2, asked.Count);
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
