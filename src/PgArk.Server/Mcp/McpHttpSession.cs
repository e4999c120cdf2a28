using Microsoft.Extensions.Logging;
using ModelContextProtocol.Server;

namespace PgArk.Server.Mcp;

/// <summary>One MCP session of /mcp: its transport (which routes the client's POSTs) and the MCP server running on it.</summary>
internal sealed class McpHttpSession : IAsyncDisposable
{
    private readonly McpServer _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    private McpHttpSession(StreamableHttpServerTransport transport, McpServer server)
    {
        Transport = transport;
        _server = server;
        _run = server.RunAsync(_stop.Token);
    }

    public StreamableHttpServerTransport Transport { get; }

    public static McpHttpSession Start(string id, McpServerOptions options, ILoggerFactory loggerFactory)
    {
        // Not stateless: the transport keeps the session's state and can carry a request to the client (elicitation)
        // on the stream of the POST that is being served.
#pragma warning disable CA2000 // ownership passes to the McpHttpSession, whose DisposeAsync disposes transport and server
        var transport = new StreamableHttpServerTransport(loggerFactory) { SessionId = id };
        return new McpHttpSession(transport, McpServer.Create(transport, options, loggerFactory));
#pragma warning restore CA2000
    }

    public async ValueTask DisposeAsync()
    {
        // The SDK's order: the transport first (ends the message reader cleanly), then the run loop, then the server.
        await Transport.DisposeAsync().ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _run.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await _server.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
