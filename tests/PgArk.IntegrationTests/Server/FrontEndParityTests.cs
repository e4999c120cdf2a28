using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using PgArk.Cli;
using PgArk.Cli.Commands;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Registry;
using PgArk.IntegrationTests.Harness;

namespace PgArk.IntegrationTests.Server;

/// <summary>
/// Walks the registry (no list of operation names): every operation is exposed by the CLI, REST and MCP with the
/// schema it declares; read-only operations whose command is generated return the same JSON on all three; a failing
/// verdict fails on every front end; runs land in the repository history with their server.
/// </summary>
public class FrontEndParityTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
#pragma warning disable CA2000 // the McpClient owns the session the transport opens and ends it on dispose; the transport itself holds only its own HttpClient for the test's life
    private async Task<McpClient> ConnectAsync() => await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
    {
        Endpoint = new Uri(fixture.BaseAddress, "/mcp"),
        TransportMode = HttpTransportMode.StreamableHttp,
        AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {fixture.AdminKey}" },
    }));
#pragma warning restore CA2000

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(c => c.Text));

    private async Task<(HttpStatusCode Status, JsonNode? Json)> InvokeAsync(string tool, JsonObject arguments)
    {
        using var client = fixture.Client(fixture.AdminKey);
        var body = new JsonObject { ["tool"] = tool, ["arguments"] = arguments.DeepClone() }.ToJsonString(); // a node has one parent: retries reuse the arguments
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/invoke", content);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync()));
    }

    /// <summary>The operation's command: top level by name or alias, or a subcommand whose path spells it (notify test).</summary>
    private static System.CommandLine.Command? CliCommand(RegisteredOperation operation)
    {
        var name = OperationCommands.CommandName(operation);
        var commands = PgArkCommandLine.Build(TextWriter.Null, TextWriter.Null).Subcommands;
        return commands.FirstOrDefault(c => c.Name == name || c.Aliases.Contains(name))
            ?? commands.SelectMany(c => c.Subcommands.Where(s => $"{c.Name}-{s.Name}" == name)).FirstOrDefault();
    }

    [Fact]
    public async Task EveryOperation_IsExposedByCliRestAndMcp_WithItsSchema()
    {
        await using var mcp = await ConnectAsync();
        var tools = (await mcp.ListToolsAsync()).ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (var operation in OperationRegistry.Default.Operations)
        {
            Assert.True(tools.TryGetValue(operation.Name, out var tool), $"MCP has no tool {operation.Name}");
            var mcpSchema = JsonNode.Parse(tool.ProtocolTool.InputSchema.GetRawText());
            Assert.True(JsonNode.DeepEquals(operation.InputSchema, mcpSchema), $"{operation.Name}: MCP schema {mcpSchema} differs");

            // REST binds with the same schema: an argument the schema does not have is refused by name.
            var (status, json) = await InvokeAsync(operation.Name, new JsonObject { ["no_such_argument"] = 1, ["confirm"] = true });
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.StartsWith($"unknown argument 'no_such_argument' for '{operation.Name}'", json!["error"]!["message"]!.GetValue<string>(),
                StringComparison.Ordinal);

            var command = CliCommand(operation);
            Assert.True(command is not null, $"the CLI has no command for {operation.Name}");
            var options = command.Options.SelectMany(o => o.Aliases.Append(o.Name)).Concat(command.Arguments.Select(a => "--" + a.Name)).ToHashSet();
            var generated = command.Description == operation.Description;
            foreach (var argument in ((JsonObject)operation.InputSchema["properties"]!).Select(p => p.Key).Where(_ => generated))
            {
                // A boolean that defaults to true is given on the command line only to turn it off (--no-has-headers).
                var option = "--" + argument.Replace('_', '-');
                Assert.True(options.Contains(option) || options.Contains("--no-" + option[2..]), $"{operation.Name}: no {option} in {string.Join(' ', options)}");
            }
        }
    }

    [Fact]
    public async Task ReadOnlyOperations_ReturnTheSameJson_OnCliRestAndMcp()
    {
        await using var mcp = await ConnectAsync();
        var compared = 0;
        foreach (var operation in OperationRegistry.Default.Operations.Where(o => o.ReadOnly))
        {
            var command = CliCommand(operation)!;
            if (command.Description != operation.Description)
            {
                continue; // A hand-written command (info) keeps its own JSON until it is ported.
            }
            var arguments = new JsonObject();
            var cli = new List<string> { "--output", "json", command.Name };
            if (operation.ArgumentNames.Contains(OperationRegistry.ServerArgument))
            {
                arguments[OperationRegistry.ServerArgument] = PgArkHarness.Server;
                cli.AddRange(["--server", PgArkHarness.Server]);
            }
            // What an operation reads may move between the three calls (serve's alert service rewrites the alert state
            // when the WAL lag changes): three reads that differ are tried again, a difference that persists fails.
            string? difference = null;
            for (var attempt = 0; attempt < 3; attempt++)
            {
                var run = await fixture.Harness.RunAsync([.. cli]);
                Assert.True(run.ExitCode == 0, run.ToString());
                var (status, rest) = await InvokeAsync(operation.Name, arguments);
                Assert.Equal(HttpStatusCode.OK, status);
                var called = await mcp.CallToolAsync(operation.Name, arguments.ToDictionary(a => a.Key, a => (object?)a.Value!.GetValue<string>()));
                Assert.True(called.IsError != true, Text(called));

                var fromCli = WithoutClock(JsonNode.Parse(run.Stdout));
                var fromRest = WithoutClock(rest!["result"]!.DeepClone());
                var fromMcp = WithoutClock(JsonNode.Parse(Text(called)));
                difference = !JsonNode.DeepEquals(fromCli, fromRest) ? $"{operation.Name}: CLI {fromCli} but REST {fromRest}"
                    : !JsonNode.DeepEquals(fromCli, fromMcp) ? $"{operation.Name}: CLI {fromCli} but MCP {fromMcp}"
                    : null;
                if (difference is null)
                {
                    break;
                }
            }
            Assert.True(difference is null, difference);
            compared++;
        }
        Assert.True(compared >= 3, $"only {compared} read-only operations compared");
    }

    /// <summary>
    /// A result's top-level <c>now</c> (schedule: the clock the next runs are computed against) is read by each call, so
    /// it differs between the three; everything else must be identical.
    /// </summary>
    private static JsonNode? WithoutClock(JsonNode? result)
    {
        if (result is JsonObject obj)
        {
            Assert.True(obj["now"] is null || DateTimeOffset.TryParse(obj["now"]!.GetValue<string>(),
                System.Globalization.CultureInfo.InvariantCulture, out _), obj.ToJsonString());
            obj.Remove("now");
        }
        return result;
    }

    [Fact]
    public async Task FailingVerdict_FailsOnEveryFrontEnd_AndEachRunIsRecordedWithItsServer()
    {
        // A dump that was taken, then damaged: verify_dump's verdict fails (its checksums do not match).
        var database = "parity_db";
        await fixture.Harness.Cluster.CreateDatabaseAsync(database);
        await fixture.Harness.Cluster.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 50)", database);
        var dump = await fixture.Harness.RunAsync("--output", "json", "dump", "--server", PgArkHarness.Server, "--database", database);
        Assert.True(dump.ExitCode == 0, dump.ToString());
        var dumpId = JsonDocument.Parse(dump.Stdout).RootElement.GetProperty("id").GetString()!;
        var dumpFolder = Path.Combine(fixture.Harness.RepositoryPath, "servers", PgArkHarness.Server, "dumps", dumpId);
        var file = Directory.GetFiles(dumpFolder, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".json", StringComparison.Ordinal))
            .OrderByDescending(f => new FileInfo(f).Length).First();
        var bytes = await File.ReadAllBytesAsync(file);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(file, bytes);
        var history = Path.Combine(fixture.Harness.RepositoryPath, "servers", PgArkHarness.Server, "history");
        int VerifyDumpRuns() => Directory.Exists(history)
            ? Directory.GetFiles(history, "*" + PgArk.Core.Catalog.HistoryStore.RunSuffix)
                .Select(f => JsonNode.Parse(File.ReadAllText(f))!)
                .Count(r => r["operation"]?.GetValue<string>() == "verify_dump" && r["server"]?.GetValue<string>() == PgArkHarness.Server
                    && r["status"]?.GetValue<string>() == "failure")
            : 0;
        var before = VerifyDumpRuns();

        var cli = await fixture.Harness.RunAsync("verify-dump", "--server", PgArkHarness.Server, "--dump", dumpId);
        Assert.True(cli.ExitCode == 5, cli.ToString());

        var arguments = new JsonObject { ["server"] = PgArkHarness.Server, ["dump"] = dumpId };
        var (status, rest) = await InvokeAsync("verify_dump", arguments);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("integrity", rest!["error"]!["code"]!.GetValue<string>());
        Assert.NotEmpty(rest["error"]!["result"]!["problems"]!.AsArray());

        await using var mcp = await ConnectAsync();
        var called = await mcp.CallToolAsync("verify_dump", new Dictionary<string, object?> { ["server"] = PgArkHarness.Server, ["dump"] = dumpId });
        Assert.True(called.IsError, Text(called));

        Assert.Equal(before + 3, VerifyDumpRuns());
    }
}
