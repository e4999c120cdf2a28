using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Jobs;
using PgArk.Core.Operations.Registry;

namespace PgArk.Server.Api;

/// <summary>Maps the routes the operations declare (<see cref="ResourceRoute.From"/>) onto the registry: authenticate, authorize by the operation's role, bind, run or start a job.</summary>
internal sealed class ResourceEndpoints(ApiEndpoints api, OperationContext context, OperationRegistry registry, JobManager jobs,
    CancellationToken stopping)
{
    public void Map(IEndpointRouteBuilder app)
    {
        foreach (var route in ResourceRoute.From(registry))
        {
            app.MapMethods(route.Pattern, [route.Method], (RequestDelegate)(http => HandleAsync(http, route)));
        }
    }

    private Task HandleAsync(HttpContext http, ResourceRoute route) => api.GuardAsync(http, async () =>
    {
        var caller = api.Authenticate(http);
        var operation = registry.Get(route.Operation);
        // Before the body is read: a caller without the role learns nothing about its arguments.
        ApiEndpoints.Authorize(caller, operation);
        var arguments = route.Method == "GET" ? [] : await ReadBodyAsync(http).ConfigureAwait(false);
        AddQuery(http.Request.Query, operation, arguments);
        foreach (var name in route.RouteParameters)
        {
            var value = (string)http.Request.RouteValues[name]!;
            if (arguments[name] is { } given && (given.GetValueKind() != JsonValueKind.String || given.GetValue<string>() != value))
            {
                throw new UsageException($"argument '{name}' is given by the path ('{value}'); leave it out of the body");
            }
            arguments[name] = value;
        }
        var element = JsonSerializer.SerializeToElement(arguments, Mcp.McpJsonContext.Default.JsonObject);
        var (prepared, bound) = await registry.PrepareAsync(context, route.Operation, element, stopping).ConfigureAwait(false);
        if (prepared.LongRunning)
        {
            await JobEndpoints.WriteAcceptedAsync(http, jobs.Start(route.Operation, prepared, bound, caller)).ConfigureAwait(false);
            return;
        }
        var result = await OperationRegistry.RunPreparedAsync(context, prepared, bound, null, stopping).ConfigureAwait(false);
        await ApiJson.WriteAsync(http, result).ConfigureAwait(false);
    });

    /// <summary>The JSON object body; an empty body means no arguments.</summary>
    private static async Task<JsonObject> ReadBodyAsync(HttpContext http)
    {
        if (http.Request.ContentLength > ApiHostOptions.MaxRequestBodyBytes)
        {
            throw new ApiEndpoints.PayloadTooLargeException();
        }
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted).ConfigureAwait(false);
        if (buffer.Length == 0)
        {
            return [];
        }
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }
        catch (JsonException ex)
        {
            throw new UsageException($"request body is not valid JSON: {ex.Message.Split(" Path:", 2)[0]}", "send a JSON object of arguments");
        }
        return node as JsonObject ?? throw new UsageException("request body must be a JSON object of arguments");
    }

    /// <summary>Query parameters become arguments, converted by the type the operation's schema gives them.</summary>
    private static void AddQuery(IQueryCollection query, RegisteredOperation operation, JsonObject arguments)
    {
        var properties = operation.InputSchema["properties"] as JsonObject ?? [];
        foreach (var (name, values) in query)
        {
            if (arguments.ContainsKey(name))
            {
                throw new UsageException($"argument '{name}' is given twice (query string and body)");
            }
            var types = properties[name]?["type"] switch
            {
                JsonValue single => [single.GetValue<string>()],
                JsonArray several => several.Select(t => t!.GetValue<string>()).ToArray(),
                _ => ["string"],
            };
            arguments[name] = types.Contains("array")
                ? new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray())
                : Convert(name, values.ToString(), types);
        }
    }

    private static JsonNode? Convert(string name, string text, string[] types)
    {
        if (types.Contains("integer"))
        {
            return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
                ? JsonValue.Create(number)
                : throw new UsageException($"query parameter '{name}': '{text}' is not an integer");
        }
        if (types.Contains("boolean"))
        {
            return bool.TryParse(text, out var flag) ? JsonValue.Create(flag) : throw new UsageException($"query parameter '{name}': '{text}' is not true or false");
        }
        return JsonValue.Create(text);
    }
}
