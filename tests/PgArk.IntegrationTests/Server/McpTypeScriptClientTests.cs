using System.Text.Json;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Server;

/// <summary>
/// An independent client: the MCP TypeScript SDK (tests/js, pinned in package-lock.json) runs tests/js/mcp-client.mjs
/// (and mcp-elicit.mjs, a client that declares elicitation) against /mcp over Streamable HTTP with a bearer key; its
/// JSON report is checked here.
/// </summary>
public class McpTypeScriptClientTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static string Script(string name = "mcp-client.mjs")
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var script = Path.Combine(folder.FullName, "tests", "js", name);
            if (File.Exists(script))
            {
                return script;
            }
        }
        throw new FileNotFoundException($"tests/js/{name} not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public async Task TypeScriptSdk_OverStreamableHttp_ListsCallsBacksUpWithProgressReadsResources()
    {
        var script = Script();
        var run = await ProcessRunner.RunAsync("node", [script, new Uri(fixture.BaseAddress, "/mcp").ToString(), PgArkHarness.Server],
            new ProcessRunOptions
            {
                WorkingDirectory = Path.GetDirectoryName(script),
                Environment = new Dictionary<string, string?> { ["PGARK_KEY"] = fixture.AdminKey },
                Timeout = TimeSpan.FromMinutes(5),
            }, CancellationToken.None);
        Assert.True(run.ExitCode == 0, run.ToString());

        var report = JsonDocument.Parse(run.StandardOutput).RootElement;
        Assert.Equal("pgark", report.GetProperty("server_name").GetString());
        var tools = report.GetProperty("tools").EnumerateArray().ToList();
        Assert.Contains(tools, t => t.GetProperty("name").GetString() == "restore" && t.GetProperty("destructive").GetBoolean());
        Assert.Contains(tools, t => t.GetProperty("name").GetString() == "list_backups" && t.GetProperty("read_only").GetBoolean());
        var server = Assert.Single(report.GetProperty("list_backups").GetProperty("servers").EnumerateArray());
        Assert.Contains(server.GetProperty("backups").EnumerateArray(), b => b.GetProperty("id").GetString() == fixture.FullBackupId);
        Assert.True(report.GetProperty("restore_refused").GetProperty("is_error").GetBoolean());
        Assert.StartsWith("'restore' is destructive", report.GetProperty("restore_refused").GetProperty("text").GetString(), StringComparison.Ordinal);
        var backup = report.GetProperty("backup");
        Assert.False(backup.GetProperty("is_error").GetBoolean(), backup.ToString());
        Assert.Equal("incr", backup.GetProperty("result").GetProperty("type").GetString());
        Assert.NotEmpty(report.GetProperty("progress").EnumerateArray());
        Assert.Contains($"pgark://servers/{PgArkHarness.Server}/info", report.GetProperty("resources").EnumerateArray().Select(r => r.GetString()));
        var listed = Assert.Single(report.GetProperty("backups_resource").GetProperty("servers").EnumerateArray());
        Assert.Contains(listed.GetProperty("backups").EnumerateArray(),
            b => b.GetProperty("id").GetString() == backup.GetProperty("result").GetProperty("backup_id").GetString());
    }

    [Fact]
    public async Task TypeScriptSdk_WithElicitation_GetsASession_DeclinedDeleteKeepsTheBackup_AcceptedDeletes()
    {
        var backup = await fixture.Harness.RunAsync("--output", "json", "backup", "--server", PgArkHarness.Server, "--type", "incr");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var id = JsonDocument.Parse(backup.Stdout).RootElement.GetProperty("backup_id").GetString()!;
        var manifest = Path.Combine(fixture.Harness.RepositoryPath, Core.Catalog.RepositoryLayout.BackupsFolder(PgArkHarness.Server), id,
            Core.Catalog.RepositoryLayout.ManifestFileName);
        var script = Script("mcp-elicit.mjs");
        var run = await ProcessRunner.RunAsync("node", [script, new Uri(fixture.BaseAddress, "/mcp").ToString(), PgArkHarness.Server, id],
            new ProcessRunOptions
            {
                WorkingDirectory = Path.GetDirectoryName(script),
                Environment = new Dictionary<string, string?> { ["PGARK_KEY"] = fixture.AdminKey },
                Timeout = TimeSpan.FromMinutes(5),
            }, CancellationToken.None);
        Assert.True(run.ExitCode == 0, run.ToString());

        var report = JsonDocument.Parse(run.StandardOutput).RootElement;
        Assert.True(report.GetProperty("session").GetBoolean());
        Assert.Equal(2, report.GetProperty("asked").GetArrayLength());
        Assert.StartsWith("Run 'delete_backup' with", report.GetProperty("asked")[0].GetString(), StringComparison.Ordinal);
        Assert.True(report.GetProperty("declined").GetProperty("is_error").GetBoolean());
        Assert.Equal("'delete_backup' not run: the user did not confirm it (decline); nothing was changed",
            report.GetProperty("declined").GetProperty("text").GetString());
        Assert.False(report.GetProperty("accepted").GetProperty("is_error").GetBoolean(), report.GetProperty("accepted").ToString());
        Assert.False(File.Exists(manifest));
    }
}
