using System.Text.Json;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Registry;
using PgArk.Server.Auth;

namespace PgArk.Server.Mcp;

/// <summary>
/// The registry as MCP tools (name, description, input schema, destructive/read-only annotations) plus read-only
/// resources per server, shared by <c>pgark mcp</c> (stdio) and <c>/mcp</c> in <c>pgark serve</c> (Streamable HTTP).
/// Results are JSON text content; PgArk errors come back as tool errors (isError) carrying the PgArk message, so the
/// model can read them. Over HTTP each message carries the caller's API key as its user, checked against the tool's role.
/// </summary>
public static class McpToolServer
{
    /// <summary>Serves MCP over stdin/stdout until the client disconnects. Log only to stderr: stdout is the protocol.</summary>
    public static async Task RunStdioAsync(OperationContext context, ILoggerFactory loggerFactory, CancellationToken cancellationToken,
        OperationRegistry? registry = null)
    {
        // The arguments come from a model, not from the operator at the shell: confined like the HTTP front ends.
        var options = CreateOptions(context.For(OperationCaller.Remote), registry ?? OperationRegistry.Default, canElicit: true);
        var transport = new StdioServerTransport(options, loggerFactory);
        await using var transportScope = transport.ConfigureAwait(false);
        var server = McpServer.Create(transport, options, loggerFactory);
        await using var serverScope = server.ConfigureAwait(false);
        await server.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <param name="calls">
    /// The concurrent-call cap to count against; /mcp passes one shared by every request (each gets fresh options), stdio
    /// gets its own.
    /// </param>
    /// <param name="canElicit">
    /// The transport can carry a request from server to client (stdio, and a session of /mcp). Stateless /mcp cannot:
    /// there, destructive tools keep trusting the <c>confirm</c> argument (docs/security.md).
    /// </param>
    public static McpServerOptions CreateOptions(OperationContext context, OperationRegistry registry, McpCallGate? calls = null,
        bool canElicit = false)
    {
        var tools = registry.Operations.Select(ToTool).ToList();
        var resources = new McpResources(context, registry);
        calls ??= McpCallGate.For(context);
        return new McpServerOptions
        {
            ServerInfo = new Implementation { Name = "pgark", Version = typeof(McpToolServer).Assembly.GetName().Version?.ToString() ?? "0" },
            Capabilities = new ServerCapabilities { Tools = new ToolsCapability(), Resources = new ResourcesCapability() },
            ServerInstructions = "PgArk: PostgreSQL physical backups, WAL archiving and point-in-time restore. "
                + "Use list_databases to see which server holds a database; destructive tools need \"confirm\": true "
                + "(or, when the client supports elicitation, the user's confirmation, which is asked for). "
                + "Resources pgark://servers/{server}/backups and pgark://servers/{server}/info describe each server.",
            Handlers = new McpServerHandlers
            {
                ListToolsHandler = (_, _) => ValueTask.FromResult(new ListToolsResult { Tools = tools }),
                CallToolHandler = (request, ct) => CallToolLimitedAsync(context, registry, calls, canElicit, request, ct),
                ListResourcesHandler = (_, ct) => resources.ListAsync(ct),
                ListResourceTemplatesHandler = (_, _) => ValueTask.FromResult(new ListResourceTemplatesResult { ResourceTemplates = McpResources.Templates }),
                ReadResourceHandler = (request, ct) => resources.ReadAsync(request.Params?.Uri ?? "", ct),
            },
        };
    }

    private static async ValueTask<CallToolResult> CallToolLimitedAsync(OperationContext context, OperationRegistry registry,
        McpCallGate calls, bool canElicit, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        if (!calls.TryEnter())
        {
            return Error($"too many concurrent calls: at most {calls.Limit} MCP tool calls run at once (api.limits.concurrentMcpCalls); try again when one has finished");
        }
        try
        {
            return await CallToolAsync(context, registry, canElicit, request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            calls.Exit();
        }
    }

    private static async ValueTask<CallToolResult> CallToolAsync(OperationContext context, OperationRegistry registry, bool canElicit,
        RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        var name = request.Params?.Name ?? "";
        JsonElement? arguments = request.Params?.Arguments is { } args
            ? JsonSerializer.SerializeToElement(args, McpJsonContext.Default.IDictionaryStringJsonElement)
            : null;
        try
        {
            var operation = registry.Get(name);
            if (ApiCaller.FromPrincipal(request.User) is { } caller
                && ApiCaller.Refusal(caller.Name, caller.Role, operation.Name, operation.Role) is { } refusal)
            {
                return Error($"forbidden: {refusal}");
            }
            if (operation.Destructive && canElicit && request.Server.ClientCapabilities?.Elicitation is { } elicitation
                && (elicitation.Form is not null || elicitation.Url is null))
            {
                // The client can ask its human: the confirm a model filled in counts for nothing, the human's answer decides.
                if (await ConfirmWithUserAsync(request.Server, operation, arguments, cancellationToken).ConfigureAwait(false) is { } declined)
                {
                    return Error(declined);
                }
                arguments = WithConfirm(arguments);
            }
            McpProgressSender? progress = null;
            if (operation.LongRunning && request.Params?.ProgressToken is { } token)
            {
                progress = new McpProgressSender(request.Server, token);
            }
            try
            {
                var invocation = await registry.InvokeAsync(context, name, arguments, progress, cancellationToken).ConfigureAwait(false);
                return new CallToolResult
                {
                    Content = [new TextContentBlock { Text = invocation.Result?.ToJsonString(ArgumentBinder.Options) ?? "null" }],
                };
            }
            finally
            {
                if (progress is not null)
                {
                    // Every notification goes out before the result, which ends the request's stream.
                    await progress.CompleteAsync().ConfigureAwait(false);
                }
            }
        }
        catch (VerdictFailedException ex)
        {
            // The report that failed goes with the message, as REST's error.result carries it.
            return Error($"{ex.Message}\n{ex.Result?.ToJsonString(ArgumentBinder.Options) ?? "null"}");
        }
        catch (PgArkException ex)
        {
            return Error(ex.Hint is null ? ex.Message : $"{ex.Message}\nhint: {ex.Hint}");
        }
    }

    /// <summary>Asks the client's user to confirm a destructive call; null when confirmed, else why not.</summary>
    private static async Task<string?> ConfirmWithUserAsync(McpServer server, RegisteredOperation operation, JsonElement? arguments,
        CancellationToken cancellationToken)
    {
        var shown = arguments is { ValueKind: JsonValueKind.Object } given
            ? System.Text.Json.Nodes.JsonObject.Create(given.Clone())!
            : [];
        shown.Remove(OperationRegistry.ConfirmArgument);
        var result = await server.ElicitAsync(new ElicitRequestParams
        {
            Message = $"Run '{operation.Name}' with {shown.ToJsonString()}? It is destructive: {operation.Description}",
            RequestedSchema = new ElicitRequestParams.RequestSchema
            {
                Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition>
                {
                    [OperationRegistry.ConfirmArgument] = new ElicitRequestParams.BooleanSchema { Title = $"Run {operation.Name}", Default = false },
                },
                Required = [OperationRegistry.ConfirmArgument],
            },
        }, cancellationToken).ConfigureAwait(false);
        var confirmed = result.Action == "accept" && result.Content is { } content
            && content.TryGetValue(OperationRegistry.ConfirmArgument, out var value) && value.ValueKind == JsonValueKind.True;
        return confirmed ? null : $"'{operation.Name}' not run: the user did not confirm it ({(result.Action == "accept" ? "answered no" : result.Action)}); nothing was changed";
    }

    private static JsonElement WithConfirm(JsonElement? arguments)
    {
        var json = arguments is { ValueKind: JsonValueKind.Object } given ? System.Text.Json.Nodes.JsonObject.Create(given.Clone())! : [];
        json[OperationRegistry.ConfirmArgument] = true;
        return JsonSerializer.SerializeToElement(json, McpJsonContext.Default.JsonObject);
    }

    private static CallToolResult Error(string text) => new() { IsError = true, Content = [new TextContentBlock { Text = text }] };

    private static Tool ToTool(RegisteredOperation operation) => new()
    {
        Name = operation.Name,
        Description = operation.Description + (operation.Destructive ? " Destructive: requires \"confirm\": true." : "")
            + (operation.LongRunning ? " Long-running: sends progress notifications when the call carries a progressToken." : ""),
        InputSchema = JsonSerializer.SerializeToElement(operation.InputSchema, McpJsonContext.Default.JsonObject),
        Annotations = new ToolAnnotations
        {
            ReadOnlyHint = operation.ReadOnly,
            DestructiveHint = operation.Destructive,
            OpenWorldHint = false,
        },
    };
}
