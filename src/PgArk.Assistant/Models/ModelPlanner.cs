using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using PgArk.Assistant.Planning;
using PgArk.Assistant.Routing;
using PgArk.Core.Operations.Registry;

namespace PgArk.Assistant.Models;

/// <summary>What the model produced: a plan, or why it cannot be used (the caller then falls back to the parser).</summary>
public sealed record ModelOutcome(Plan? Plan, string? Failure);

/// <summary>
/// Offers the registry's operations to a language model as tools (their JSON schemas), and accepts the model's answer only
/// when it is exactly one call to a known tool whose arguments match the schema and name known databases and servers.
/// Confirmation is never taken from a model: a <c>confirm</c> argument is dropped and the user is asked.
/// </summary>
public sealed class ModelPlanner(IChatClient client, OperationRegistry registry, TimeProvider clock, TimeZoneInfo zone, TimeSpan timeout)
{
    private readonly IList<AITool> _tools = registry.Operations
        .Select(o => (AITool)AIFunctionFactory.CreateDeclaration(o.Name, o.Description, JsonDocument.Parse(o.InputSchema.ToJsonString()).RootElement.Clone()))
        .ToList();

    public async Task<ModelOutcome> PlanAsync(string request, DatabaseCatalog catalog, CancellationToken cancellationToken)
    {
        ChatResponse response;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            response = await client.GetResponseAsync(
                [new ChatMessage(ChatRole.System, SystemPrompt(catalog)), new ChatMessage(ChatRole.User, request)],
                new ChatOptions { Tools = _tools, ToolMode = ChatToolMode.RequireAny, Temperature = 0 },
                deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed($"no answer within {timeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException ex)
        {
            return Failed(ex.StatusCode is { } status ? $"HTTP {(int)status}" : $"unreachable ({ex.Message})");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            return Failed("a reply not in the provider's format");
        }
        var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
        return calls.Count switch
        {
            0 => Failed("no tool call"),
            > 1 => Failed($"{calls.Count} tool calls (one request is one call)"),
            _ => Validate(calls[0], catalog),
        };
    }

    private ModelOutcome Validate(FunctionCallContent call, DatabaseCatalog catalog)
    {
        if (call.Exception is not null)
        {
            return Failed($"malformed arguments for '{call.Name}' ({call.Exception.Message})");
        }
        var operation = registry.Operations.FirstOrDefault(o => o.Name == call.Name);
        if (operation is null)
        {
            return Failed($"unknown tool '{call.Name}'");
        }
        var arguments = new JsonObject();
        foreach (var (name, value) in call.Arguments ?? new Dictionary<string, object?>())
        {
            if (name != OperationRegistry.ConfirmArgument)
            {
                arguments[name] = value is JsonElement element ? JsonNode.Parse(element.GetRawText()) : JsonValue.Create(value?.ToString());
            }
        }
        var takesServer = operation.ArgumentNames.Contains(OperationRegistry.ServerArgument);
        if (ArgumentSchemaCheck.Problem(operation.InputSchema, arguments, takesServer ? [OperationRegistry.DatabaseArgument] : []) is { } problem)
        {
            return Failed($"'{call.Name}': {problem}");
        }
        var server = arguments[OperationRegistry.ServerArgument]?.GetValue<string>();
        if (arguments[OperationRegistry.DatabaseArgument]?.GetValue<string>() is { } database)
        {
            var holders = catalog.ServersOf(database);
            if (holders.Count == 0)
            {
                return Failed($"unknown database '{database}'");
            }
            if (server is null && holders.Count > 1)
            {
                return Failed($"database '{database}' is on {string.Join(" and ", holders)}");
            }
            if (server is not null && !holders.Contains(server, StringComparer.Ordinal))
            {
                return Failed($"database '{database}' is not on '{server}'");
            }
            server ??= holders[0];
            if (!operation.ArgumentNames.Contains(OperationRegistry.DatabaseArgument))
            {
                arguments.Remove(OperationRegistry.DatabaseArgument);
            }
        }
        if (server is not null && !catalog.HasServer(server))
        {
            return Failed($"unknown server '{server}'");
        }
        if (server is null)
        {
            return Failed($"'{call.Name}' without a server or database");
        }
        if (takesServer)
        {
            arguments[OperationRegistry.ServerArgument] = server;
        }
        return new ModelOutcome(new Plan([new PlanStep(server, operation.Name, arguments)], PlanSources.Model), null);
    }

    private string SystemPrompt(DatabaseCatalog catalog)
    {
        var now = TimeZoneInfo.ConvertTime(clock.GetUtcNow(), zone);
        var text = new StringBuilder()
            .AppendLine("You turn one PostgreSQL backup request into exactly one tool call. Never answer in prose.")
            .AppendLine(CultureInfo.InvariantCulture, $"Now is {now:yyyy-MM-dd'T'HH:mm:sszzz} ({zone.Id}). Write times as ISO 8601 with an offset.")
            .AppendLine("Servers and their databases:");
        foreach (var server in catalog.Servers)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"- {server}: {string.Join(", ", catalog.Databases.Where(d => catalog.ServersOf(d).Contains(server)).Order(StringComparer.Ordinal))}");
        }
        return text.ToString();
    }

    private static ModelOutcome Failed(string reason) => new(null, reason);
}
