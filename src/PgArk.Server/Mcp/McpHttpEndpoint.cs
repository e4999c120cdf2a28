using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Registry;
using PgArk.Server.Api;
using PgArk.Server.Auth;

namespace PgArk.Server.Mcp;

/// <summary>
/// MCP over Streamable HTTP at <c>/mcp</c>, on the SDK's <see cref="StreamableHttpServerTransport"/>. Two ways:
/// <list type="bullet">
/// <item>Stateless (every client that does not declare elicitation, and every 2026-07-28 request): each POST carries one
/// JSON-RPC message, is served by a fresh MCP server and answered with an SSE stream (progress, then the response).</item>
/// <item>A session, for a client whose <c>initialize</c> declares elicitation: the answer carries <c>Mcp-Session-Id</c>,
/// one MCP server lives for the session, and a destructive tool call asks the user through an elicitation request sent on
/// that call's SSE stream; the client's answer comes back as a POST with the session id. Sessions are bounded
/// (<c>api.limits.mcpSessions</c>, 503 over it), end after <c>api.limits.mcpSessionIdleMinutes</c> unused or on DELETE,
/// and belong to the key that opened them (another key gets 403).</item>
/// </list>
/// GET (the optional server-initiated stream) is not offered: 405, which clients read as "no such stream"; elicitation
/// needs none, it goes out on the tool call's own stream. (ModelContextProtocol.AspNetCore wraps the same transport; this
/// keeps PgArk's own checks in front of it.) Authentication and roles are REST's: 401 without a valid key, 403 for a
/// tools/call above the key's role — and the tool handler checks the role again. The RequestGuard middleware (Host,
/// Origin, Content-Type) runs before all of it.
/// </summary>
#pragma warning disable CA1001 // the session table is disposed when the server stops (the stopping registration in the constructor)
internal sealed class McpHttpEndpoint(ApiEndpoints api, OperationContext context, OperationRegistry registry, ILoggerFactory loggerFactory,
#pragma warning restore CA1001
    CancellationToken stopping, TimeProvider? time = null)
{
    public const string Path = "/mcp";
    public const string SessionIdHeader = "Mcp-Session-Id";
    private const string ProtocolVersionHeader = "MCP-Protocol-Version";
    // JSON-RPC code the SDK's own server answers an unknown session with (clients recognise it).
    private const int SessionNotFoundCode = -32001;

    private static readonly JsonTypeInfo<JsonRpcMessage> s_messageType =
        (JsonTypeInfo<JsonRpcMessage>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));
    private static readonly JsonTypeInfo<JsonRpcError> s_errorType =
        (JsonTypeInfo<JsonRpcError>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcError));

    // One cap for the endpoint: every message gets a fresh MCP server (stateless), but they all count here.
    private readonly McpCallGate _calls = McpCallGate.For(context);

    private readonly McpSessionTable<McpHttpSession> _sessions = new(
        (context.Options.Api?.Limits ?? Core.Configuration.ApiLimits.Default).McpSessions,
        TimeSpan.FromMinutes((context.Options.Api?.Limits ?? Core.Configuration.ApiLimits.Default).McpSessionIdleMinutes),
        time ?? TimeProvider.System);

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapPost(Path, (RequestDelegate)PostAsync);
        app.MapDelete(Path, (RequestDelegate)DeleteAsync);
        // Expired sessions end on a timer as well as when a new one is opened, so an idle client does not hold a server
        // in memory until the next client comes.
        var period = _sessions.IdleTimeout < TimeSpan.FromMinutes(2) ? _sessions.IdleTimeout / 2 : TimeSpan.FromMinutes(1);
        var timer = (time ?? TimeProvider.System).CreateTimer(_ => _ = PruneQuietlyAsync(), null, period, period);
        stopping.Register(() =>
        {
            timer.Dispose();
            _ = _sessions.DisposeAsync().AsTask();
        });
    }

    private async Task PruneQuietlyAsync()
    {
        try
        {
            await _sessions.PruneAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException)
        {
            // The service is stopping.
        }
    }

    private Task PostAsync(HttpContext http) => api.GuardAsync(http, async () =>
    {
        var caller = api.Authenticate(http);
        var accept = http.Request.Headers.Accept.ToString();
        if (!accept.Contains("application/json", StringComparison.OrdinalIgnoreCase) || !accept.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            await WriteJsonRpcErrorAsync(http, StatusCodes.Status406NotAcceptable, "Not Acceptable: accept both application/json and text/event-stream")
                .ConfigureAwait(false);
            return;
        }
        var message = await ReadMessageAsync(http).ConfigureAwait(false);
        if (message is null)
        {
            await WriteJsonRpcErrorAsync(http, StatusCodes.Status400BadRequest, "Bad Request: the body is not a JSON-RPC message").ConfigureAwait(false);
            return;
        }
        if (message is JsonRpcRequest { Method: RequestMethods.ToolsCall } call
            && (call.Params is not JsonObject callParams || callParams["arguments"] is not (null or JsonObject)))
        {
            // The SDK would fail to read these params and answer -32603 (internal error): say what is wrong instead.
            await WriteJsonRpcErrorAsync(http, StatusCodes.Status400BadRequest, "Invalid params: 'arguments' must be an object",
                McpErrorCode.InvalidParams, call.Id).ConfigureAwait(false);
            return;
        }
        if (caller is not null && message is JsonRpcRequest { Method: RequestMethods.ToolsCall, Params: JsonObject parameters }
            && parameters["name"] is JsonValue name && name.TryGetValue<string>(out var tool)
            && Resolve(tool) is { } operation)
        {
            ApiEndpoints.Authorize(caller, operation);
        }
        message.Context ??= new JsonRpcMessageContext();
        if (caller is not null)
        {
            message.Context.User = ApiCaller.ToPrincipal(caller);
        }
        if (http.Request.Headers[SessionIdHeader].ToString() is { Length: > 0 } sessionId)
        {
            await ServeInSessionAsync(http, message, sessionId, caller?.Name).ConfigureAwait(false);
            return;
        }
        var version = http.Request.Headers[ProtocolVersionHeader].ToString();
        if (version.Length == 0 && message is JsonRpcRequest { Method: RequestMethods.Initialize, Params: JsonObject init }
            && init["capabilities"] is JsonObject capabilities && capabilities["elicitation"] is JsonObject)
        {
            await OpenSessionAsync(http, message, caller?.Name).ConfigureAwait(false);
            return;
        }
        if (version.Length > 0)
        {
            message.Context.ProtocolVersion = version;
        }
        await ServeAsync(http, message).ConfigureAwait(false);
    });

    /// <summary>DELETE /mcp with Mcp-Session-Id: the client ends its session.</summary>
    private Task DeleteAsync(HttpContext http) => api.GuardAsync(http, async () =>
    {
        var caller = api.Authenticate(http);
        var sessionId = http.Request.Headers[SessionIdHeader].ToString();
        var ended = sessionId.Length == 0
            ? McpSessionTable<McpHttpSession>.Lookup.NotFound
            : await _sessions.EndAsync(sessionId, caller?.Name).ConfigureAwait(false);
        switch (ended)
        {
            case McpSessionTable<McpHttpSession>.Lookup.Found:
                http.Response.StatusCode = StatusCodes.Status200OK;
                break;
            case McpSessionTable<McpHttpSession>.Lookup.OtherOwner:
                await WriteJsonRpcErrorAsync(http, StatusCodes.Status403Forbidden, "Forbidden: the session belongs to another API key").ConfigureAwait(false);
                break;
            default:
                await WriteJsonRpcErrorAsync(http, StatusCodes.Status404NotFound, "Session not found", (McpErrorCode)SessionNotFoundCode).ConfigureAwait(false);
                break;
        }
    });

    /// <summary>An initialize from a client that can elicit: a session of its own, so destructive tools can ask its user.</summary>
    private async Task OpenSessionAsync(HttpContext http, JsonRpcMessage message, string? owner)
    {
        var id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
#pragma warning disable CA2000 // ownership passes to the session table, or the session is disposed below when the table refuses it
        var session = McpHttpSession.Start(id, McpToolServer.CreateOptions(context, registry, _calls, canElicit: true), loggerFactory);
#pragma warning restore CA2000
        var lease = await _sessions.TryAddAsync(id, owner, session).ConfigureAwait(false);
        if (lease is null)
        {
            await session.DisposeAsync().ConfigureAwait(false);
            await WriteJsonRpcErrorAsync(http, StatusCodes.Status503ServiceUnavailable,
                $"too many MCP sessions: at most {_sessions.Limit} are kept at once (api.limits.mcpSessions); try again when one has ended",
                McpErrorCode.InternalError, ((JsonRpcRequest)message).Id).ConfigureAwait(false);
            return;
        }
        using (lease)
        {
            await WriteOnSessionAsync(http, lease, message).ConfigureAwait(false);
        }
    }

    private async Task ServeInSessionAsync(HttpContext http, JsonRpcMessage message, string sessionId, string? owner)
    {
        var id = message is JsonRpcRequest request ? request.Id : default;
#pragma warning disable CA2000 // disposed by the using (lease) below; null on the paths that return
        switch (_sessions.TryAcquire(sessionId, owner, out var lease))
#pragma warning restore CA2000
        {
            case McpSessionTable<McpHttpSession>.Lookup.OtherOwner:
                await WriteJsonRpcErrorAsync(http, StatusCodes.Status403Forbidden, "Forbidden: the session belongs to another API key",
                    McpErrorCode.InvalidRequest, id).ConfigureAwait(false);
                return;
            case McpSessionTable<McpHttpSession>.Lookup.NotFound:
                // Unknown, ended or expired: the client must initialize a new session (Streamable HTTP says 404).
                await WriteJsonRpcErrorAsync(http, StatusCodes.Status404NotFound, "Session not found", (McpErrorCode)SessionNotFoundCode, id)
                    .ConfigureAwait(false);
                return;
        }
        using (lease)
        {
            await WriteOnSessionAsync(http, lease!, message).ConfigureAwait(false);
        }
    }

    private static async Task WriteOnSessionAsync(HttpContext http, McpSessionTable<McpHttpSession>.Lease lease, JsonRpcMessage message)
    {
        http.Response.Headers[SessionIdHeader] = lease.Id;
        StartEventStream(http);
        if (!await lease.Value.Transport.HandlePostRequestAsync(message, http.Response.Body, http.RequestAborted).ConfigureAwait(false))
        {
            // A notification, or the client's answer to an elicitation: nothing to send back here.
            http.Response.Headers.ContentType = (string?)null;
            http.Response.StatusCode = StatusCodes.Status202Accepted;
        }
    }

    private static void StartEventStream(HttpContext http)
    {
        http.Response.Headers.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache,no-store";
        http.Response.Headers.ContentEncoding = "identity";
        http.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
    }

    /// <summary>The operation a tool name (or seed 000 alias such as trigger_full_backup) runs; null when unknown (the handler reports it).</summary>
    private RegisteredOperation? Resolve(string tool)
    {
        try
        {
            return registry.Get(tool);
        }
        catch (Core.Errors.NotFoundException)
        {
            return null;
        }
    }

    private async Task ServeAsync(HttpContext http, JsonRpcMessage message)
    {
        var transport = new StreamableHttpServerTransport(loggerFactory) { Stateless = true };
        var server = McpServer.Create(transport, McpToolServer.CreateOptions(context, registry, _calls), loggerFactory, http.RequestServices);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        var run = server.RunAsync(done.Token);
        try
        {
            StartEventStream(http);
            if (!await transport.HandlePostRequestAsync(message, http.Response.Body, http.RequestAborted).ConfigureAwait(false))
            {
                // A notification or response from the client: nothing to answer.
                http.Response.Headers.ContentType = (string?)null;
                http.Response.StatusCode = StatusCodes.Status202Accepted;
            }
        }
        finally
        {
            // The SDK's order: the transport first (ends the message reader cleanly), then the run loop, then the server.
            await transport.DisposeAsync().ConfigureAwait(false);
            await done.CancelAsync().ConfigureAwait(false);
            try
            {
                await run.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<JsonRpcMessage?> ReadMessageAsync(HttpContext http)
    {
        if (http.Request.ContentLength > ApiHostOptions.MaxRequestBodyBytes)
        {
            throw new ApiEndpoints.PayloadTooLargeException();
        }
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted).ConfigureAwait(false);
        try
        {
            return buffer.Length == 0 ? null : JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), s_messageType);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Task WriteJsonRpcErrorAsync(HttpContext http, int status, string message, McpErrorCode code = McpErrorCode.InvalidRequest,
        RequestId id = default)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        var error = new JsonRpcError { Id = id, Error = new JsonRpcErrorDetail { Code = (int)code, Message = message } };
        return http.Response.WriteAsync(JsonSerializer.Serialize(error, s_errorType), http.RequestAborted);
    }
}
