using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Jobs;
using PgArk.Core.Operations.Registry;

namespace PgArk.Server.Api;

/// <summary><c>/api/jobs</c>: the state, progress and result of long operations, and their cancellation.</summary>
internal sealed class JobEndpoints(ApiEndpoints api, JobManager jobs)
{
    public const string JobsPath = "/api/jobs";

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet(JobsPath, (RequestDelegate)ListAsync);
        app.MapGet(JobsPath + "/{id}", (RequestDelegate)GetAsync);
        app.MapDelete(JobsPath + "/{id}", (RequestDelegate)CancelAsync);
    }

    /// <summary>202 Accepted with the job and where to follow it.</summary>
    public static Task WriteAcceptedAsync(HttpContext http, OperationJob job)
    {
        http.Response.StatusCode = StatusCodes.Status202Accepted;
        http.Response.Headers.Location = $"{JobsPath}/{job.Id}";
        return ApiJson.WriteAsync(http, ToJson(job.Snapshot(), includeResult: true));
    }

    /// <summary>
    /// A job as JSON: snake_case fields, the state as a word, and an error in the same {code, message, hint} shape as
    /// every other API error.
    /// </summary>
    public static JsonObject ToJson(JobSnapshot job, bool includeResult)
    {
        var json = (JsonObject)ArgumentBinder.ToJson(job with { Result = null, Error = null })!;
        json.Remove("result");
        json.Remove("error");
        json["location"] = $"{JobsPath}/{job.Id}";
        if (includeResult && job.Result is not null)
        {
            json["result"] = job.Result;
        }
        if (job.Error is { } error)
        {
            var body = new JsonObject
            {
                ["code"] = job.State == JobState.Cancelled ? "cancelled" : ApiErrors.Code(error.Kind),
                ["message"] = error.Message,
            };
            if (error.Hint is not null)
            {
                body["hint"] = error.Hint;
            }
            json["error"] = body;
        }
        return json;
    }

    /// <summary>Most jobs one listing returns (<c>?limit=</c>, 1 to this; default all that are kept, which is at most this).</summary>
    public const int MaxListed = 500;

    /// <summary>The newest jobs the caller's role may see (a viewer sees only viewer operations' jobs); <c>?limit=N</c> bounds the count.</summary>
    private Task ListAsync(HttpContext http) => api.GuardAsync(http, () =>
    {
        var caller = api.Authenticate(http);
        var limit = MaxListed;
        if (http.Request.Query.TryGetValue("limit", out var text))
        {
            if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxListed)
            {
                throw new Core.Errors.UsageException($"query parameter 'limit' must be an integer from 1 to {MaxListed}");
            }
        }
        foreach (var key in http.Request.Query.Keys.Where(k => k != "limit"))
        {
            throw new Core.Errors.UsageException($"unknown query parameter '{key}' (GET {JobsPath} takes only 'limit')");
        }
        var list = new JsonArray(jobs.List(caller?.Role).Take(limit).Select(j => (JsonNode)ToJson(j.Snapshot(), includeResult: false)).ToArray());
        return ApiJson.WriteAsync(http, new JsonObject { ["jobs"] = list });
    });

    private Task GetAsync(HttpContext http) => api.GuardAsync(http, () =>
    {
        var caller = api.Authenticate(http);
        var job = jobs.Get((string)http.Request.RouteValues["id"]!, caller?.Role);
        return ApiJson.WriteAsync(http, ToJson(job.Snapshot(), includeResult: true));
    });

    /// <summary>Cancelling needs operator, and at least the role that may start the job (an operator cannot stop an admin's restore).</summary>
    private Task CancelAsync(HttpContext http) => api.GuardAsync(http, () =>
    {
        var caller = api.Authenticate(http);
        ApiEndpoints.Authorize(caller, "cancel", OperationRole.Operator);
        var job = jobs.Get((string)http.Request.RouteValues["id"]!, caller?.Role);
        ApiEndpoints.Authorize(caller, $"cancel {job.Operation.Name}", job.Operation.Role);
        job.Cancel();
        http.Response.StatusCode = StatusCodes.Status202Accepted;
        return ApiJson.WriteAsync(http, ToJson(job.Snapshot(), includeResult: true));
    });
}
