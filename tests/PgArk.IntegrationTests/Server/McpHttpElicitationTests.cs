using System.Net;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using PgArk.IntegrationTests.Harness;

namespace PgArk.IntegrationTests.Server;

/// <summary>
/// Elicitation over <c>/mcp</c> of <c>pgark serve</c>: a client that declares it gets an MCP session, and a destructive
/// tool asks its user (the official C# client, Streamable HTTP, initialize handshake); a client without it is served
/// statelessly and the <c>confirm</c> argument decides, as documented in docs/security.md.
/// </summary>
public class McpHttpElicitationTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Task<McpClient> ConnectAsync(string key, McpClientOptions? options = null)
    {
        options ??= new McpClientOptions();
        // The initialize handshake (2025-11-25): sessions and server-to-client requests belong to it; the 2026-07-28
        // revision has neither and is served statelessly.
        options.ProtocolVersion = "2025-11-25";
#pragma warning disable CA2000 // the McpClient owns the session the transport opens and ends it on dispose; the transport itself holds only its own HttpClient for the test's life
        return McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(fixture.BaseAddress, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {key}" },
        }), options);
#pragma warning restore CA2000
    }

    private static McpClientOptions Eliciting(Func<bool> accept, List<string> asked) => new()
    {
        Capabilities = new ClientCapabilities { Elicitation = new ElicitationCapability { Form = new FormElicitationCapability() } },
        Handlers = new McpClientHandlers
        {
            ElicitationHandler = (request, _) =>
            {
                lock (asked)
                {
                    asked.Add(request?.Message ?? "");
                }
                return ValueTask.FromResult(accept()
                    ? new ElicitResult { Action = "accept", Content = new Dictionary<string, JsonElement> { ["confirm"] = JsonSerializer.SerializeToElement(true) } }
                    : new ElicitResult { Action = "decline" });
            },
        },
    };

    /// <summary>An incremental backup to delete, and the path of its manifest.</summary>
    private async Task<(string Id, string Manifest)> BackupAsync()
    {
        var backup = await fixture.Harness.RunAsync("--output", "json", "backup", "--server", PgArkHarness.Server, "--type", "incr");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var id = JsonDocument.Parse(backup.Stdout).RootElement.GetProperty("backup_id").GetString()!;
        var manifest = Path.Combine(fixture.Harness.RepositoryPath, Core.Catalog.RepositoryLayout.BackupsFolder(PgArkHarness.Server), id,
            Core.Catalog.RepositoryLayout.ManifestFileName);
        Assert.True(File.Exists(manifest));
        return (id, manifest);
    }

    [Fact]
    public async Task McpHttp_ElicitingClient_DeclinedNothingDeleted_AcceptedDeleted_ModelConfirmCountsForNothing()
    {
        var (id, manifest) = await BackupAsync();
        var accept = false;
        var asked = new List<string>();
        await using var client = await ConnectAsync(fixture.AdminKey, Eliciting(() => accept, asked));
        Assert.False(string.IsNullOrEmpty(client.SessionId));

        // The model filled in confirm; the human declines: nothing is deleted.
        var declined = await client.CallToolAsync("delete_backup", new Dictionary<string, object?>
            { ["server"] = PgArkHarness.Server, ["backup_id"] = id, ["confirm"] = true });
        Assert.True(declined.IsError);
        Assert.Equal("'delete_backup' not run: the user did not confirm it (decline); nothing was changed", McpHttpTests.Text(declined));
        Assert.True(File.Exists(manifest));
        Assert.Contains($"Run 'delete_backup' with {{\"server\":\"{PgArkHarness.Server}\",\"backup_id\":\"{id}\"}}?", Assert.Single(asked),
            StringComparison.Ordinal);

        // A read-only tool asks nothing.
        var listed = await client.CallToolAsync("list_backups", new Dictionary<string, object?> { ["server"] = PgArkHarness.Server });
        Assert.NotEqual(true, listed.IsError);
        Assert.Single(asked);

        // No confirm from the model at all; the human accepts: deleted.
        accept = true;
        var deleted = await client.CallToolAsync("delete_backup", new Dictionary<string, object?> { ["server"] = PgArkHarness.Server, ["backup_id"] = id });
        Assert.True(deleted.IsError != true, McpHttpTests.Text(deleted));
        Assert.False(File.Exists(manifest));
        Assert.Equal(2, asked.Count);
    }

    [Fact]
    public async Task McpHttp_ClientWithoutElicitation_NoSession_ConfirmArgumentDecides()
    {
        var (id, manifest) = await BackupAsync();
        await using var client = await ConnectAsync(fixture.AdminKey);
        Assert.True(string.IsNullOrEmpty(client.SessionId));

        var refused = await client.CallToolAsync("delete_backup", new Dictionary<string, object?> { ["server"] = PgArkHarness.Server, ["backup_id"] = id });
        Assert.True(refused.IsError);
        Assert.StartsWith("'delete_backup' is destructive and needs confirmation", McpHttpTests.Text(refused), StringComparison.Ordinal);
        Assert.True(File.Exists(manifest));

        var deleted = await client.CallToolAsync("delete_backup", new Dictionary<string, object?>
            { ["server"] = PgArkHarness.Server, ["backup_id"] = id, ["confirm"] = true });
        Assert.True(deleted.IsError != true, McpHttpTests.Text(deleted));
        Assert.False(File.Exists(manifest));
    }

    [Fact]
    public async Task McpHttp_Session_OtherKeyForbidden_ForeignOriginForbidden_DeleteEndsIt_UnknownIs404()
    {
        var asked = new List<string>();
        await using var client = await ConnectAsync(fixture.OperatorKey, Eliciting(() => false, asked));
        var session = client.SessionId!;
        Assert.False(string.IsNullOrEmpty(session));
        const string list = """{"jsonrpc": "2.0", "id": 7, "method": "tools/list"}""";

        async Task<HttpResponseMessage> SendAsync(string? key, HttpMethod method, string? body, string? sessionId, string? origin = null)
        {
            using var http = fixture.Client(key);
            using var request = new HttpRequestMessage(method, "/mcp");
            if (body is not null)
            {
                request.Content = ApiCalls.Json(body);
            }
            request.Headers.Add("Accept", "application/json, text/event-stream");
            if (sessionId is not null)
            {
                request.Headers.Add("Mcp-Session-Id", sessionId);
            }
            if (origin is not null)
            {
                request.Headers.Add("Origin", origin);
            }
            return await http.SendAsync(request);
        }

        // Another key cannot use (or answer questions of) the operator's session, nor end it.
        using (var other = await SendAsync(fixture.AdminKey, HttpMethod.Post, list, session))
        {
            Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        }
        using (var other = await SendAsync(fixture.AdminKey, HttpMethod.Delete, null, session))
        {
            Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        }
        using (var noKey = await SendAsync(null, HttpMethod.Post, list, session))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        }
        // The service's own checks still come first: a page's Origin, and a POST that is not JSON.
        using (var page = await SendAsync(fixture.OperatorKey, HttpMethod.Delete, null, session, "https://evil.example"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        }
        using (var http = fixture.Client(fixture.OperatorKey))
        using (var form = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(list, System.Text.Encoding.UTF8, "text/plain") })
        {
            form.Headers.Add("Mcp-Session-Id", session);
            using var answer = await http.SendAsync(form);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, answer.StatusCode);
        }
        // The session still serves its owner after all that.
        Assert.NotEmpty(await client.ListToolsAsync());

        using (var unknown = await SendAsync(fixture.OperatorKey, HttpMethod.Post, list, "0123456789abcdef0123456789abcdef"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }
        using (var ended = await SendAsync(fixture.OperatorKey, HttpMethod.Delete, null, session))
        {
            Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        }
        using (var gone = await SendAsync(fixture.OperatorKey, HttpMethod.Post, list, session))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
        Assert.Empty(asked);
    }
}
