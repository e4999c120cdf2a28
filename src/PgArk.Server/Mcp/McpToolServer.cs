using System.Text.Json;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Registry;

namespace PgArk.Server.Mcp;

/// <summary>
/// The registry as MCP tools (name, description, input schema, destructive/read-only annotations). Results are JSON text
/// content; PgArk errors come back as tool errors (isError) carrying the PgArk message, so the model can read them.
/// </summary>
public static class McpToolServer
{
    /// <summary>Serves MCP over stdin/stdout until the client disconnects. Log only to stderr: stdout is the protocol.</summary>
    public static async Task RunStdioAsync(OperationContext context, ILoggerFactory loggerFactory, CancellationToken cancellationToken,
        OperationRegistry? registry = null)
    {
        var options = CreateOptions(context, registry ?? OperationRegistry.Default);
        var transport = new StdioServerTransport(options, loggerFactory);
        await using var transportScope = transport.ConfigureAwait(false);
        var server = McpServer.Create(transport, options, loggerFactory);
        await using var serverScope = server.ConfigureAwait(false);
        await server.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    public static McpServerOptions CreateOptions(OperationContext context, OperationRegistry registry)
    {
        var tools = registry.Operations.Select(ToTool).ToList();
        return new McpServerOptions
        {
            ServerInfo = new Implementation { Name = "pgark", Version = typeof(McpToolServer).Assembly.GetName().Version?.ToString() ?? "0" },
            Capabilities = new ServerCapabilities { Tools = new ToolsCapability() },
            ServerInstructions = "PgArk: PostgreSQL physical backups, WAL archiving and point-in-time restore. "
                + "Use list_databases to see which server holds a database; destructive tools need \"confirm\": true.",
            Handlers = new McpServerHandlers
            {
                ListToolsHandler = (_, _) => ValueTask.FromResult(new ListToolsResult { Tools = tools }),
                CallToolHandler = async (request, ct) =>
                {
                    var name = request.Params?.Name ?? "";
                    JsonElement? arguments = request.Params?.Arguments is { } args
                        ? JsonSerializer.SerializeToElement(args, McpJsonContext.Default.IDictionaryStringJsonElement)
                        : null;
                    try
                    {
                        var invocation = await registry.InvokeAsync(context, name, arguments, ct).ConfigureAwait(false);
                        return new CallToolResult
                        {
                            Content = [new TextContentBlock { Text = invocation.Result?.ToJsonString(ArgumentBinder.Options) ?? "null" }],
                        };
                    }
                    catch (PgArkException ex)
                    {
                        var text = ex.Hint is null ? ex.Message : $"{ex.Message}\nhint: {ex.Hint}";
                        return new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = text }] };
                    }
                },
            },
        };
    }

    private static Tool ToTool(RegisteredOperation operation) => new()
    {
        Name = operation.Name,
        Description = operation.Description + (operation.Destructive ? " Destructive: requires \"confirm\": true." : ""),
        InputSchema = JsonSerializer.SerializeToElement(operation.InputSchema, McpJsonContext.Default.JsonObject),
        Annotations = new ToolAnnotations
        {
            ReadOnlyHint = operation.ReadOnly,
            DestructiveHint = operation.Destructive,
            OpenWorldHint = false,
        },
    };
}
