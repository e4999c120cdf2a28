using System.Text.Json.Nodes;
using PgArk.Core.Operations.Registry;

namespace PgArk.Server.Api;

/// <summary>The OpenAPI paths of the resource routes and jobs, generated from the routes the operations declare and the registry's schemas.</summary>
internal static class OpenApiResourcePaths
{
    public static void Add(JsonObject paths, OperationRegistry registry)
    {
        var known = registry.Operations.ToDictionary(o => o.Name, StringComparer.Ordinal);
        foreach (var route in ResourceRoute.From(registry))
        {
            var operation = known[route.Operation];
            var schema = operation.InputSchema;
            var properties = (JsonObject?)schema["properties"] ?? [];
            var parameters = new JsonArray(route.RouteParameters.Select(p => (JsonNode)OpenApiDocument.Parameter(p, "path", "string")).ToArray());
            foreach (var name in route.RouteParameters)
            {
                properties.Remove(name);
            }
            if (schema["required"] is JsonArray required)
            {
                foreach (var fromPath in required.Where(r => route.RouteParameters.Contains(r!.GetValue<string>())).ToList())
                {
                    required.Remove(fromPath);
                }
            }
            var entry = new JsonObject
            {
                ["summary"] = route.Summary,
                ["description"] = $"Runs '{operation.Name}'. Role: {operation.Role.ToString().ToLowerInvariant()}."
                    + (operation.LongRunning ? " Long-running: answers 202 Accepted with a job (Location: /api/jobs/{id})." : ""),
                ["operationId"] = operation.Name,
            };
            if (route.Method == "GET")
            {
                foreach (var (name, property) in properties)
                {
                    parameters.Add(new JsonObject { ["name"] = name, ["in"] = "query", ["required"] = false, ["schema"] = property!.DeepClone() });
                }
            }
            else
            {
                entry["requestBody"] = new JsonObject
                {
                    ["required"] = false,
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = schema } },
                };
            }
            entry["parameters"] = parameters;
            var responses = OpenApiDocument.Responses(operation.LongRunning ? "accepted (a job) — see 202" : "the operation's result (JSON)");
            if (operation.LongRunning)
            {
                responses.Remove("200");
                responses["202"] = new JsonObject { ["description"] = "the job: id, state, progress; Location header points to it" };
            }
            entry["responses"] = responses;
            var path = paths[route.Pattern] as JsonObject ?? [];
            path[route.Method.ToLowerInvariant()] = entry;
            paths[route.Pattern] = path;
        }
        paths[JobEndpoints.JobsPath] = new JsonObject
        {
            ["get"] = new JsonObject { ["summary"] = "Recent jobs, newest first (without results)", ["responses"] = OpenApiDocument.Responses("{\"jobs\": [...]}") },
        };
        var id = new JsonArray(OpenApiDocument.Parameter("id", "path", "string"));
        paths[JobEndpoints.JobsPath + "/{id}"] = new JsonObject
        {
            ["get"] = new JsonObject
            {
                ["summary"] = "One job: state (queued, running, succeeded, failed, cancelled), progress (phase, bytes_done, bytes_total, percent), result or error",
                ["parameters"] = id.DeepClone(),
                ["responses"] = OpenApiDocument.Responses("the job"),
            },
            ["delete"] = new JsonObject
            {
                ["summary"] = "Cancel a job (operator, and at least the job's own role); answers 202 and the job ends as cancelled",
                ["parameters"] = id.DeepClone(),
                ["responses"] = OpenApiDocument.Responses("the job, cancel_requested true"),
            },
        };
        paths[Dashboard.DashboardEndpoints.SessionPath] = new JsonObject
        {
            ["get"] = new JsonObject
            {
                ["summary"] = "The dashboard session of this cookie: name, role, csrf_token (401 when not signed in)",
                ["responses"] = OpenApiDocument.Responses("{\"name\", \"role\", \"csrf_token\", \"authentication\"}"),
            },
            ["post"] = new JsonObject
            {
                ["summary"] = "Sign in (body {\"key\": \"...\"}): sets the HttpOnly, SameSite=Strict session cookie and returns the CSRF token that " +
                    "state-changing requests made with the cookie must send as X-CSRF-Token",
                ["responses"] = OpenApiDocument.Responses("{\"name\", \"role\", \"csrf_token\", \"authentication\"}"),
            },
            ["delete"] = new JsonObject
            {
                ["summary"] = "Sign out: ends the session (its CSRF token required) and clears the cookie",
                ["responses"] = OpenApiDocument.Responses("{\"signed_out\": true}"),
            },
        };
        paths["/api/agents"] = new JsonObject
        {
            ["get"] = new JsonObject
            {
                ["summary"] = "The agents of a supervisor config, each asked for its health through its own API: name, url, reachable, " +
                    "status, servers (as its health answers) or error",
                ["responses"] = OpenApiDocument.Responses("{\"agents\": [...]}"),
            },
        };
    }
}
