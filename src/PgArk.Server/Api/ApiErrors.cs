using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PgArk.Core.Errors;

namespace PgArk.Server.Api;

/// <summary>Every error a client sees: <c>{"error":{"code","message","hint"?}}</c> with a status derived from the error kind.</summary>
internal static class ApiErrors
{
    public static int Status(ErrorKind kind) => kind switch
    {
        ErrorKind.Usage => StatusCodes.Status400BadRequest,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Refused => StatusCodes.Status409Conflict,
        ErrorKind.Integrity => StatusCodes.Status422UnprocessableEntity,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static string Code(ErrorKind kind) => kind switch
    {
        ErrorKind.Usage => "usage",
        ErrorKind.NotFound => "not_found",
        ErrorKind.Refused => "refused",
        ErrorKind.Integrity => "integrity",
        _ => "failed",
    };

    /// <summary>A failed verdict also carries the result the run returned (the report that says what failed).</summary>
    public static Task WriteAsync(HttpContext http, PgArkException ex) => ex switch
    {
        PermissionDeniedException => WriteAsync(http, StatusCodes.Status403Forbidden, "forbidden", ex.Message, ex.Hint),
        CapacityExceededException => WriteAsync(http, StatusCodes.Status429TooManyRequests, "too_many_requests", ex.Message, ex.Hint),
        _ => WriteAsync(http, Status(ex.Kind), Code(ex.Kind), ex.Message, ex.Hint, (ex as Core.Operations.VerdictFailedException)?.Result),
    };

    public static async Task WriteAsync(HttpContext http, int status, string code, string message, string? hint = null, JsonNode? result = null)
    {
        if (http.Response.HasStarted)
        {
            return;
        }
        http.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
        }
        var error = new JsonObject { ["code"] = code, ["message"] = message };
        if (hint is not null)
        {
            error["hint"] = hint;
        }
        if (result is not null)
        {
            error["result"] = result.DeepClone();
        }
        await ApiJson.WriteAsync(http, new JsonObject { ["error"] = error }).ConfigureAwait(false);
    }
}

internal static class ApiJson
{
    public static async Task WriteAsync(HttpContext http, JsonNode? body)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        await http.Response.WriteAsync(body?.ToJsonString(Core.Operations.Registry.ArgumentBinder.Options) ?? "null", http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Serializes straight to the response, without building a JSON tree first (large listings).</summary>
    public static async Task WriteValueAsync<T>(HttpContext http, T value)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        await System.Text.Json.JsonSerializer.SerializeAsync(http.Response.Body, value, Core.Operations.Registry.ArgumentBinder.Options, http.RequestAborted)
            .ConfigureAwait(false);
    }
}
