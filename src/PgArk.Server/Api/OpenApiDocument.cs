using System.Text.Json.Nodes;
using PgArk.Core.Operations.Registry;

namespace PgArk.Server.Api;

/// <summary>An OpenAPI 3.1 description of the REST surface, built from the registry's argument schemas.</summary>
internal static class OpenApiDocument
{
    public static JsonObject Build(OperationRegistry registry)
    {
        var variants = new JsonArray();
        foreach (var operation in registry.Operations)
        {
            variants.Add(new JsonObject
            {
                ["title"] = operation.Name,
                ["description"] = $"{operation.Description} Role: {operation.Role.ToString().ToLowerInvariant()}.{(operation.Destructive ? " Destructive: needs \"confirm\": true." : "")}",
                ["type"] = "object",
                ["required"] = new JsonArray("tool"),
                ["properties"] = new JsonObject
                {
                    ["tool"] = new JsonObject { ["const"] = operation.Name },
                    ["arguments"] = operation.InputSchema,
                },
            });
        }
        foreach (var alias in OperationRegistry.Aliases)
        {
            variants.Add(new JsonObject
            {
                ["title"] = alias,
                ["description"] = $"Alias of '{registry.Get(alias).Name}' (seed 000); 'db_name' locates the server.",
                ["type"] = "object",
                ["required"] = new JsonArray("tool"),
                ["properties"] = new JsonObject { ["tool"] = new JsonObject { ["const"] = alias }, ["arguments"] = new JsonObject { ["type"] = "object" } },
            });
        }
        var document = new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject { ["title"] = "PgArk API", ["version"] = "1" },
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = new JsonObject { ["apiKey"] = new JsonObject { ["type"] = "http", ["scheme"] = "bearer" } },
                ["schemas"] = new JsonObject
                {
                    ["Error"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject
                        {
                            ["error"] = new JsonObject
                            {
                                ["type"] = "object",
                                ["properties"] = new JsonObject
                                {
                                    ["code"] = new JsonObject { ["type"] = "string" },
                                    ["message"] = new JsonObject { ["type"] = "string" },
                                    ["hint"] = new JsonObject { ["type"] = "string" },
                                },
                            },
                        },
                    },
                },
            },
            ["security"] = new JsonArray(new JsonObject { ["apiKey"] = new JsonArray() }),
            ["paths"] = new JsonObject
            {
                ["/invoke"] = new JsonObject
                {
                    ["post"] = new JsonObject
                    {
                        ["summary"] = "Run an operation",
                        ["requestBody"] = new JsonObject
                        {
                            ["required"] = true,
                            ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["oneOf"] = variants } } },
                        },
                        ["responses"] = Responses("{\"tool\", \"operation\", \"result\"}"),
                    },
                },
                ["/api/servers"] = Get("Configured servers"),
                ["/api/servers/{server}/backups"] = Get("Backups of one server, newest first (query: limit)",
                    new JsonArray(Parameter("server", "path", "string"), Parameter("limit", "query", "integer"))),
                ["/api/databases"] = Get("Databases of each server"),
            },
        };
        OpenApiResourcePaths.Add((JsonObject)document["paths"]!, registry);
        return document;
    }

    private static JsonObject Get(string summary, JsonArray? parameters = null)
    {
        var get = new JsonObject { ["summary"] = summary, ["responses"] = Responses("JSON") };
        if (parameters is not null)
        {
            get["parameters"] = parameters;
        }
        return new JsonObject { ["get"] = get };
    }

    internal static JsonObject Parameter(string name, string where, string type) => new()
    {
        ["name"] = name,
        ["in"] = where,
        ["required"] = where == "path",
        ["schema"] = new JsonObject { ["type"] = type },
    };

    internal static JsonObject Responses(string success)
    {
        var responses = new JsonObject { ["200"] = new JsonObject { ["description"] = success } };
        foreach (var (status, meaning) in new[] { ("400", "bad arguments"), ("401", "missing or unknown API key"), ("403", "role too low"),
                     ("404", "unknown tool, server or backup"), ("409", "refused (confirmation missing, lock held)"), ("413", "body over 1 MB"),
                     ("422", "integrity failure"), ("500", "operation failed") })
        {
            responses[status] = new JsonObject
            {
                ["description"] = meaning,
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/Error" } } },
            };
        }
        return responses;
    }
}
