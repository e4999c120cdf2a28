using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PgArk.Core.Operations.Registry;
using PgArk.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace PgArk.IntegrationTests.Server;

/// <summary>
/// Every registry operation (walked, not listed by hand), each of its arguments replaced by hostile values — wrong
/// types, oversized strings, path traversal (../, absolute, NUL, a symbolic link out), SQL metacharacters, unknown
/// servers and databases — through REST /invoke and MCP /mcp. No answer may be a 5xx or an MCP internal error, and the
/// service must still answer afterwards.
/// </summary>
public class BadInputSweepTests(ServerFixture fixture, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    private static JsonNode?[] HostileValues(string symlinkOut) =>
    [
        12345, -1, 1e308, true, new JsonObject { ["a"] = 1 }, new JsonArray(1, 2), null,
        new string('x', 70_000), "../../../../etc/passwd", "/etc/passwd", "a\0b", symlinkOut,
        "x\"; DROP TABLE pg_class; --", "'; SELECT pg_sleep(30); --", "no_such_server_zz", "no_such_database_zz", "",
    ];

    [Fact]
    public async Task EveryOperation_HostileArguments_RestAndMcp_No5xx_ServiceKeepsAnswering()
    {
        using var folder = TempFolder.Create("pgark-it-sweep-");
        var link = Path.Combine(folder.Path, "out");
        Directory.CreateSymbolicLink(link, "/etc");
        var values = HostileValues(Path.Combine(link, "passwd"));
        using var client = fixture.Client(fixture.AdminKey);
        var tried = 0;
        var crashes = new List<string>();
        var id = 0;
        foreach (var operation in OperationRegistry.Default.Operations)
        {
            var names = operation.ArgumentNames.Append("unknown_argument").ToList();
            var cases = new List<JsonNode?>();
            // Whole-argument shapes that are not an object.
            cases.AddRange([JsonValue.Create("string"), new JsonArray(), JsonValue.Create(42)]);
            foreach (var name in names)
            {
                foreach (var value in values)
                {
                    var arguments = new JsonObject { [name] = value?.DeepClone() };
                    if (operation.Destructive && name != OperationRegistry.ConfirmArgument)
                    {
                        // Past the confirmation check, so the hostile value reaches binding and validation.
                        arguments[OperationRegistry.ConfirmArgument] = true;
                    }
                    cases.Add(arguments);
                }
            }
            foreach (var arguments in cases)
            {
                tried++;
                var rest = new JsonObject { ["tool"] = operation.Name, ["arguments"] = arguments?.DeepClone() };
                using var restBody = new StringContent(rest.ToJsonString(), Encoding.UTF8, "application/json");
                using (var response = await client.PostAsync("/invoke", restBody))
                {
                    if ((int)response.StatusCode >= 500)
                    {
                        crashes.Add($"REST {operation.Name} {Shorten(arguments)}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }
                }
                tried++;
                var mcp = new JsonObject
                {
                    ["jsonrpc"] = "2.0", ["id"] = ++id, ["method"] = "tools/call",
                    ["params"] = new JsonObject { ["name"] = operation.Name, ["arguments"] = arguments?.DeepClone() },
                };
                using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
                {
                    Content = new StringContent(mcp.ToJsonString(), Encoding.UTF8, "application/json"),
                };
                request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
                using var mcpResponse = await client.SendAsync(request);
                var body = await mcpResponse.Content.ReadAsStringAsync();
                if ((int)mcpResponse.StatusCode >= 500 || body.Contains("\"code\":-32603", StringComparison.Ordinal))
                {
                    crashes.Add($"MCP {operation.Name} {Shorten(arguments)}: {(int)mcpResponse.StatusCode} {Shorten(body)}");
                }
            }
        }

        output.WriteLine($"bad-input sweep: {tried} inputs tried over {OperationRegistry.Default.Operations.Count} operations, {crashes.Count} crashes");
        Assert.True(crashes.Count == 0, string.Join("\n", crashes.Take(20)));
        Assert.True(File.Exists("/etc/passwd"));
        using var healthBody = new StringContent("""{"tool": "health"}""", Encoding.UTF8, "application/json");
        using var health = await client.PostAsync("/invoke", healthBody);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private static string Shorten(object? value)
    {
        var text = value is JsonNode node ? node.ToJsonString() : value?.ToString() ?? "null";
        return text.Length <= 200 ? text : text[..200] + "…";
    }
}
