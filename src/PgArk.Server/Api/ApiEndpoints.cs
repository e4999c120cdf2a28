using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Jobs;
using PgArk.Core.Operations.Registry;
using PgArk.Server.Auth;

namespace PgArk.Server.Api;

/// <summary>
/// The REST surface: <c>POST /invoke</c> (seed 000's shape) for every registry operation, read-only resource routes, and
/// the OpenAPI document. Every call is authenticated (bearer API key) unless the server runs with --no-auth.
/// </summary>
internal sealed class ApiEndpoints(OperationContext context, OperationRegistry registry, IReadOnlyList<ApiKeyOptions>? keys, ILogger logger,
    CancellationToken stopping, JobManager? jobs = null, Dashboard.DashboardSessions? sessions = null)
{
    /// <summary><c>Prefer: respond-async</c> (RFC 7240) asks /invoke for a job instead of waiting, like <c>"async": true</c>.</summary>
    private const string PreferAsync = "respond-async";

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/invoke", (RequestDelegate)InvokeAsync);
        app.MapGet("/api/servers", (RequestDelegate)ServersAsync);
        app.MapGet("/api/servers/{server}/backups", (RequestDelegate)BackupsAsync);
        app.MapGet("/api/databases", (RequestDelegate)DatabasesAsync);
        app.MapGet("/openapi.json", (RequestDelegate)OpenApiAsync);
    }

    private Task InvokeAsync(HttpContext http) => GuardAsync(http, async () =>
    {
        var caller = Authenticate(http);
        var (tool, arguments, runAsync) = await ReadInvocationAsync(http).ConfigureAwait(false);
        var operation = registry.Get(tool);
        Authorize(caller, operation);
        var preferAsync = http.Request.Headers["Prefer"].ToString().Contains(PreferAsync, StringComparison.OrdinalIgnoreCase);
        if (runAsync && !operation.LongRunning)
        {
            // A job per quick read would only fill the job list (and the caps) with work that answers at once.
            throw new UsageException($"'async' is only for long-running operations; '{operation.Name}' answers at once",
                "call it without \"async\"");
        }
        if ((runAsync || preferAsync) && operation.LongRunning)
        {
            var (prepared, bound) = await registry.PrepareAsync(context, tool, arguments, stopping).ConfigureAwait(false);
            var jobManager = jobs ?? throw new InvalidOperationException("jobs are not enabled on this host");
            await JobEndpoints.WriteAcceptedAsync(http, jobManager.Start(tool, prepared, bound, caller)).ConfigureAwait(false);
            return;
        }
        // A long operation run in the request counts against the same caps as a job.
        using var slot = operation.LongRunning ? jobs?.Reserve(caller?.Name) : null;
        var invocation = await registry.InvokeAsync(context, tool, arguments, stopping).ConfigureAwait(false);
        await ApiJson.WriteAsync(http, new JsonObject
        {
            ["tool"] = tool,
            ["operation"] = invocation.Operation.Name,
            ["result"] = invocation.Result,
        }).ConfigureAwait(false);
    });

    private Task ServersAsync(HttpContext http) => GuardAsync(http, async () =>
    {
        Authenticate(http);
        var servers = new JsonArray();
        foreach (var server in context.Options.Servers)
        {
            servers.Add(new JsonObject
            {
                ["name"] = server.Name,
                ["repositories"] = new JsonArray(server.Repositories.Select(r => (JsonNode?)JsonValue.Create(r)).ToArray()),
            });
        }
        await ApiJson.WriteAsync(http, new JsonObject { ["servers"] = servers }).ConfigureAwait(false);
    });

    private Task BackupsAsync(HttpContext http) => GuardAsync(http, async () =>
    {
        Authenticate(http);
        var server = (string)http.Request.RouteValues["server"]!;
        int? limit = null;
        if (http.Request.Query.TryGetValue("limit", out var text))
        {
            limit = int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value)
                ? value : throw new UsageException($"query parameter 'limit': '{text}' is not an integer");
        }
        context.GetServer(server);
        var result = await new ListBackupsOperation().RunAsync(context, new ListBackupsInput(server, null, limit), null, stopping)
            .ConfigureAwait(false);
        await ApiJson.WriteValueAsync(http, result.Servers[0]).ConfigureAwait(false);
    });

    private Task DatabasesAsync(HttpContext http) => GuardAsync(http, async () =>
    {
        Authenticate(http);
        var result = await new ListDatabasesOperation().RunAsync(context, new ListDatabasesInput(), null, stopping).ConfigureAwait(false);
        await ApiJson.WriteAsync(http, ArgumentBinder.ToJson(result)).ConfigureAwait(false);
    });

    private Task OpenApiAsync(HttpContext http) => GuardAsync(http, () =>
        ApiJson.WriteAsync(http, OpenApiDocument.Build(registry)));

    private async Task<(string Tool, JsonElement? Arguments, bool Async)> ReadInvocationAsync(HttpContext http)
    {
        if (http.Request.ContentLength > ApiHostOptions.MaxRequestBodyBytes)
        {
            throw new PayloadTooLargeException();
        }
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(http.Request.Body, default, http.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw new UsageException($"request body is not valid JSON: {ex.Message.Split(" Path:", 2)[0]}",
                "send {\"tool\": \"NAME\", \"arguments\": {...}}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("tool", out var tool) || tool.ValueKind != JsonValueKind.String)
            {
                throw new UsageException("request body must be an object with a string 'tool'", "send {\"tool\": \"NAME\", \"arguments\": {...}}");
            }
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name is not ("tool" or "arguments" or "async"))
                {
                    throw new UsageException($"unknown request field '{property.Name}' (expected 'tool', 'arguments' and 'async')");
                }
            }
            var runAsync = false;
            if (root.TryGetProperty("async", out var asyncFlag))
            {
                runAsync = asyncFlag.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw new UsageException("request field 'async' must be true or false"),
                };
            }
            JsonElement? arguments = root.TryGetProperty("arguments", out var args) ? args.Clone() : null;
            return (tool.GetString()!, arguments, runAsync);
        }
    }

    /// <summary>
    /// The caller's key, or null when authentication is off: a bearer API key, or else a dashboard session cookie, which
    /// must come with the session's CSRF token on every state-changing request (403 without it).
    /// </summary>
    internal ApiKeyOptions? Authenticate(HttpContext http)
    {
        if (keys is null)
        {
            return null;
        }
        var header = http.Request.Headers.Authorization.ToString();
        if (header.Length == 0 && sessions is not null && http.Request.Cookies.TryGetValue(Dashboard.DashboardSessions.CookieName, out var id))
        {
            var session = sessions.Find(id, keys) ?? throw new UnauthorizedException("the dashboard session has expired: sign in again");
            if (!IsSafeMethod(http.Request.Method)
                && !Dashboard.DashboardSessions.CsrfMatches(session, http.Request.Headers[Dashboard.DashboardSessions.CsrfHeader].ToString()))
            {
                throw new ForbiddenException($"missing or wrong CSRF token: a signed-in page sends its token in the {Dashboard.DashboardSessions.CsrfHeader} header");
            }
            return session.Key;
        }
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
        {
            throw new UnauthorizedException("missing API key: send 'Authorization: Bearer <key>'");
        }
        return ApiKeys.Find(keys, header[7..].Trim()) ?? throw new UnauthorizedException("unknown API key");
    }

    /// <summary>The configured keys, or null when authentication is off (--no-auth).</summary>
    internal IReadOnlyList<ApiKeyOptions>? Keys => keys;

    internal static bool IsSafeMethod(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);

    internal static void Authorize(ApiKeyOptions? caller, RegisteredOperation operation) => Authorize(caller, operation.Name, operation.Role);

    internal static void Authorize(ApiKeyOptions? caller, string what, OperationRole needed)
    {
        if (caller is not null && ApiCaller.Refusal(caller.Name, caller.Role, what, needed) is { } refusal)
        {
            throw new ForbiddenException(refusal);
        }
    }

    /// <summary>Maps every failure to one JSON error; nothing else (no stack trace) reaches the client.</summary>
    internal async Task GuardAsync(HttpContext http, Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (UnauthorizedException ex)
        {
            await ApiErrors.WriteAsync(http, StatusCodes.Status401Unauthorized, "unauthorized", ex.Message).ConfigureAwait(false);
        }
        catch (ForbiddenException ex)
        {
            await ApiErrors.WriteAsync(http, StatusCodes.Status403Forbidden, "forbidden", ex.Message).ConfigureAwait(false);
        }
        catch (PayloadTooLargeException)
        {
            await TooLargeAsync(http).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await TooLargeAsync(http).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            await ApiErrors.WriteAsync(http, ex.StatusCode, "bad_request", "malformed request").ConfigureAwait(false);
        }
        catch (PgArkException ex)
        {
            if (ex.Kind == ErrorKind.Failed)
            {
                logger.LogWarning("{Path}: {Message}", http.Request.Path, ex.Message);
            }
            await ApiErrors.WriteAsync(http, ex).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested || stopping.IsCancellationRequested)
        {
            await ApiErrors.WriteAsync(http, StatusCodes.Status503ServiceUnavailable, "cancelled", "the server is shutting down").ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("{Path}: {Message}", http.Request.Path, ex.Message);
            await ApiErrors.WriteAsync(http, StatusCodes.Status500InternalServerError, "failed", ex.Message).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "{Path}: unexpected error", http.Request.Path);
            await ApiErrors.WriteAsync(http, StatusCodes.Status500InternalServerError, "internal", "internal error (see the server log)")
                .ConfigureAwait(false);
        }
    }

    private static Task TooLargeAsync(HttpContext http)
    {
        // The rest of the body is never read, so this connection cannot carry another request.
        http.Response.Headers.Connection = "close";
        return ApiErrors.WriteAsync(http, StatusCodes.Status413PayloadTooLarge, "payload_too_large",
            $"request body is larger than {ApiHostOptions.MaxRequestBodyBytes} bytes");
    }

    internal sealed class UnauthorizedException(string message) : Exception(message);

    internal sealed class ForbiddenException(string message) : Exception(message);

    internal sealed class PayloadTooLargeException : Exception;
}
