using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Registry;

namespace PgArk.Server.Mcp;

/// <summary>
/// Read-only MCP resources per configured server: its backup list (<c>list_backups</c>) and its <c>info</c>, as JSON.
/// Both are viewer operations, so every authenticated caller may read them.
/// </summary>
internal sealed class McpResources(OperationContext context, OperationRegistry registry)
{
    private const string Prefix = "pgark://servers/";
    private const string MimeType = "application/json";

    public static IList<ResourceTemplate> Templates { get; } =
    [
        new() { UriTemplate = Prefix + "{server}/backups", Name = "backups", MimeType = MimeType, Description = "Backups of a server, newest first (list_backups)." },
        new() { UriTemplate = Prefix + "{server}/info", Name = "info", MimeType = MimeType, Description = "Backups, archived WAL ranges and the recoverable window of a server (info)." },
    ];

    public ValueTask<ListResourcesResult> ListAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var resources = new List<Resource>();
        foreach (var server in context.Options.Servers)
        {
            resources.Add(new Resource { Uri = $"{Prefix}{server.Name}/backups", Name = $"{server.Name} backups", MimeType = MimeType,
                Description = $"Backups of server '{server.Name}', newest first." });
            resources.Add(new Resource { Uri = $"{Prefix}{server.Name}/info", Name = $"{server.Name} info", MimeType = MimeType,
                Description = $"Backups, WAL ranges and recoverable window of server '{server.Name}'." });
        }
        return ValueTask.FromResult(new ListResourcesResult { Resources = resources });
    }

    public async ValueTask<ReadResourceResult> ReadAsync(string uri, CancellationToken cancellationToken)
    {
        var parts = uri.StartsWith(Prefix, StringComparison.Ordinal) ? uri[Prefix.Length..].Split('/') : [];
        var tool = parts is [_, "backups"] ? "list_backups" : parts is [_, "info"] ? "info" : null;
        if (tool is null)
        {
            throw new McpException($"unknown resource '{uri}' (expected {Prefix}{{server}}/backups or {Prefix}{{server}}/info)");
        }
        JsonNode? result;
        try
        {
            var arguments = JsonSerializer.SerializeToElement(new JsonObject { [OperationRegistry.ServerArgument] = parts[0] },
                McpJsonContext.Default.JsonObject);
            result = (await registry.InvokeAsync(context, tool, arguments, cancellationToken).ConfigureAwait(false)).Result;
        }
        catch (PgArkException ex)
        {
            throw new McpException($"{uri}: {ex.Message}");
        }
        return new ReadResourceResult
        {
            Contents = [new TextResourceContents { Uri = uri, MimeType = MimeType, Text = result?.ToJsonString(ArgumentBinder.Options) ?? "null" }],
        };
    }
}
