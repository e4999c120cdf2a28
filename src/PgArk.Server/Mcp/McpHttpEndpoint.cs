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
/// MCP over Streamable HTTP at <c>/mcp</c>, stateless: every POST carries one JSON-RPC message, is served by a fresh
/// MCP server on the SDK's <see cref="StreamableHttpServerTransport"/>, and answers with an SSE stream (progress
/// notifications, then the response). Stateless means no session to keep, so GET (server-initiated stream) and DELETE
/// (end session) are not offered. (ModelContextProtocol.AspNetCore, which wraps the same transport, is not in the
/// package mirror; this is the part of it PgArk needs.) Authentication and roles are REST's: 401 without a valid key,
/// 403 for a tools/call above the key's role — and the tool handler checks the role again.
/// </summary>
internal sealed class McpHttpEndpoint(ApiEndpoints api, OperationContext context, OperationRegistry registry, ILoggerFactory loggerFactory)
{
    public const string Path = "/mcp";
    private const string ProtocolVersionHeader = "MCP-Protocol-Version";

    private static readonly JsonTypeInfo<JsonRpcMessage> s_messageType =
        (JsonTypeInfo<JsonRpcMessage>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));
    private static readonly JsonTypeInfo<JsonRpcError> s_errorType =
        (JsonTypeInfo<JsonRpcError>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcError));

    // One cap for the endpoint: every message gets a fresh MCP server (stateless), but they all count here.
    private readonly McpCallGate _calls = McpCallGate.For(context);

    public void Map(IEndpointRouteBuilder app) => app.MapPost(Path, (RequestDelegate)PostAsync);

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
        if (http.Request.Headers[ProtocolVersionHeader].ToString() is { Length: > 0 } version)
        {
            message.Context.ProtocolVersion = version;
        }
        await ServeAsync(http, message).ConfigureAwait(false);
    });

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
            http.Response.Headers.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache,no-store";
            http.Response.Headers.ContentEncoding = "identity";
            http.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
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
