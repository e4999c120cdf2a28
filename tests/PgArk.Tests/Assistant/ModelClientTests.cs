using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using PgArk.Assistant.Models;
using PgArk.Assistant.Planning;
using PgArk.Assistant.Routing;
using PgArk.Core.Operations.Registry;

namespace PgArk.Tests.Assistant;

/// <summary>
/// Both language-model clients against a local HTTP server that answers in the provider's documented response format
/// (no model runs here): a good tool call becomes the plan; malformed arguments, an unknown tool, an unknown database,
/// a schema violation, an HTTP error or a timeout fall back to the deterministic parser, and the plan says why.
/// </summary>
public class ModelClientTests
{
    private static readonly DatabaseCatalog s_catalog = new([("pg1", ["customer_db", "analytics_db"]), ("pg2", ["hr_db", "finance_db"])]);
    private static readonly FixedClock s_clock = new(new DateTimeOffset(2025, 9, 12, 15, 0, 0, TimeSpan.Zero));

    private static JsonObject OllamaReply(string name, JsonNode? arguments) => new()
    {
        ["model"] = "llama3.1",
        ["created_at"] = "2025-09-12T15:00:00.000000Z",
        ["message"] = new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = "",
            ["tool_calls"] = new JsonArray(new JsonObject { ["function"] = new JsonObject { ["name"] = name, ["arguments"] = arguments } }),
        },
        ["done_reason"] = "stop",
        ["done"] = true,
    };

    private static JsonObject OpenAiReply(string name, string arguments) => new()
    {
        ["id"] = "chatcmpl-1",
        ["object"] = "chat.completion",
        ["created"] = 1757689200,
        ["model"] = "gpt-4o-mini",
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = null,
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["id"] = "call_abc123",
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = name, ["arguments"] = arguments },
                }),
            },
            ["finish_reason"] = "tool_calls",
        }),
    };

    // Generous: only the two tests about a model that never answers rely on the timeout; a loaded CI machine must not
    // turn a slow HTTP 500 into "no answer in time".
    private static async Task<Plan> PlanAsync(IChatClient client, string request, int timeoutSeconds = 120)
    {
        var model = new ModelPlanner(client, OperationRegistry.Default, s_clock, TimeZoneInfo.Utc, TimeSpan.FromSeconds(timeoutSeconds));
        return await RequestPlanner.PlanWithAsync(request, s_catalog, model, s_clock, TimeZoneInfo.Utc, CancellationToken.None);
    }

    [Fact]
    public async Task OllamaChatFormat_GoodToolCall_BecomesThePlanRoutedByDatabase()
    {
        await using var server = new ScriptedModelServer(OllamaReply("backup", new JsonObject { ["database"] = "hr_db", ["type"] = "full" }));
        using var http = new HttpClient();
        using var client = new OllamaChatClient(http, server.BaseAddress, "llama3.1");
        var plan = await PlanAsync(client, "please make hr safe, a complete copy");

        Assert.Equal(PlanSources.Model, plan.Source);
        var step = Assert.Single(plan.Steps);
        Assert.Equal(("pg2", "backup"), (step.Server, step.Operation));
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["type"] = "full", ["server"] = "pg2" }, step.Arguments), step.Arguments.ToJsonString());
        var (path, _, body) = Assert.Single(server.Requests);
        Assert.Equal("/api/chat", path);
        Assert.Equal("llama3.1", body!["model"]!.GetValue<string>());
        Assert.False(body["stream"]!.GetValue<bool>());
        var tools = body["tools"]!.AsArray().Select(t => t!["function"]!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(OperationRegistry.Default.Operations.Select(o => o.Name), tools);
        Assert.Equal("object", body["tools"]![0]!["function"]!["parameters"]!["type"]!.GetValue<string>());
        Assert.Contains("hr_db", body["messages"]![0]!["content"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OllamaChatFormat_ConfirmFromModel_IsDropped()
    {
        await using var server = new ScriptedModelServer(OllamaReply("expire", new JsonObject { ["server"] = "pg1", ["confirm"] = true }));
        using var http = new HttpClient();
        using var client = new OllamaChatClient(http, server.BaseAddress, "llama3.1");
        var plan = await PlanAsync(client, "tidy up pg1");

        var step = Assert.Single(plan.Steps);
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["server"] = "pg1" }, step.Arguments), step.Arguments.ToJsonString());
    }

    [Fact]
    public async Task OllamaChatFormat_MalformedArguments_FallsBackToParser()
    {
        await using var server = new ScriptedModelServer(OllamaReply("backup", JsonValue.Create("{\"database\": \"hr_db\", type: full")));
        using var http = new HttpClient();
        using var client = new OllamaChatClient(http, server.BaseAddress, "llama3.1");
        var plan = await PlanAsync(client, "trigger full backup for hr_db");

        Assert.StartsWith("parser (model fallback: malformed arguments for 'backup'", plan.Source, StringComparison.Ordinal);
        var step = Assert.Single(plan.Steps);
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["server"] = "pg2", ["type"] = "full" }, step.Arguments));
    }

    [Fact]
    public async Task OllamaChatFormat_UnknownTool_FallsBackToParser()
    {
        await using var server = new ScriptedModelServer(OllamaReply("drop_database", new JsonObject { ["database"] = "hr_db" }));
        using var http = new HttpClient();
        using var client = new OllamaChatClient(http, server.BaseAddress, "llama3.1");
        var plan = await PlanAsync(client, "list backups for hr_db");

        Assert.Equal(PlanSources.Fallback("unknown tool 'drop_database'"), plan.Source);
        Assert.Equal("list_backups", Assert.Single(plan.Steps).Operation);
    }

    [Fact]
    public async Task OllamaChatFormat_UnknownDatabase_FallsBackToParser()
    {
        await using var server = new ScriptedModelServer(OllamaReply("list_backups", new JsonObject { ["database"] = "payroll_db" }));
        using var http = new HttpClient();
        using var client = new OllamaChatClient(http, server.BaseAddress, "llama3.1");
        var plan = await PlanAsync(client, "list backups for customer_db");

        Assert.Equal(PlanSources.Fallback("unknown database 'payroll_db'"), plan.Source);
        Assert.Equal("pg1", Assert.Single(plan.Steps).Server);
    }

    [Fact]
    public async Task OllamaChatFormat_ArgumentOutsideSchema_FallsBackToParser()
    {
        await using var server = new ScriptedModelServer(OllamaReply("backup", new JsonObject { ["server"] = "pg1", ["type"] = "weekly" }));
        using var http = new HttpClient();
        using var client = new OllamaChatClient(http, server.BaseAddress, "llama3.1");
        var plan = await PlanAsync(client, "create backup for customer_db");

        Assert.Equal(PlanSources.Fallback("'backup': argument 'type': \"weekly\" is not one of [\"full\",\"diff\",\"incr\"]"), plan.Source);
        Assert.Equal("incr", Assert.Single(plan.Steps).Arguments["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task OllamaChatFormat_HttpError_FallsBackToParser()
    {
        await using var server = new ScriptedModelServer(() => Task.FromResult((500, "{\"error\":\"model 'llama3.1' not found\"}")));
        using var http = new HttpClient();
        using var client = new OllamaChatClient(http, server.BaseAddress, "llama3.1");
        var plan = await PlanAsync(client, "restore customer_db to latest");

        Assert.Equal(PlanSources.Fallback("HTTP 500"), plan.Source);
        Assert.Equal("restore_database", Assert.Single(plan.Steps).Operation);
    }

    [Fact]
    public async Task OllamaChatFormat_NoAnswerInTime_FallsBackToParser()
    {
        using var release = new CancellationTokenSource();
        await using var server = new ScriptedModelServer(async () =>
        {
            await Task.Delay(Timeout.Infinite, release.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            return (200, OllamaReply("health", new JsonObject()).ToJsonString());
        });
        using var http = new HttpClient();
        using var client = new OllamaChatClient(http, server.BaseAddress, "llama3.1");
        var plan = await PlanAsync(client, "health", timeoutSeconds: 1);
        await release.CancelAsync();

        Assert.Equal(PlanSources.Fallback("no answer within 1 s"), plan.Source);
        Assert.Equal(2, plan.Steps.Count);
    }

    [Fact]
    public async Task OpenAiChatFormat_GoodToolCall_BecomesThePlan()
    {
        await using var server = new ScriptedModelServer(OpenAiReply("list_backups", "{\"database\":\"finance_db\",\"limit\":3}"));
        using var http = new HttpClient();
        using var client = new OpenAiChatClient(http, server.BaseAddress, "gpt-4o-mini", "sk-test");
        var plan = await PlanAsync(client, "three newest backups of the finance database");

        Assert.Equal(PlanSources.Model, plan.Source);
        var step = Assert.Single(plan.Steps);
        Assert.Equal(("pg2", "list_backups"), (step.Server, step.Operation));
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["database"] = "finance_db", ["limit"] = 3, ["server"] = "pg2" }, step.Arguments),
            step.Arguments.ToJsonString());
        var (path, authorization, body) = Assert.Single(server.Requests);
        Assert.Equal("/v1/chat/completions", path);
        Assert.Equal("Bearer sk-test", authorization);
        Assert.Equal("required", body!["tool_choice"]!.GetValue<string>());
        Assert.Equal("function", body["tools"]![0]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task OpenAiChatFormat_MalformedArguments_FallsBackToParser()
    {
        await using var server = new ScriptedModelServer(OpenAiReply("backup", "{\"server\": \"pg1\","));
        using var http = new HttpClient();
        using var client = new OpenAiChatClient(http, server.BaseAddress, "gpt-4o-mini", null);
        var plan = await PlanAsync(client, "create backup for analytics_db");

        Assert.StartsWith("parser (model fallback: malformed arguments for 'backup'", plan.Source, StringComparison.Ordinal);
        Assert.Equal("pg1", Assert.Single(plan.Steps).Server);
    }

    [Fact]
    public async Task OpenAiChatFormat_UnknownTool_FallsBackToParser()
    {
        await using var server = new ScriptedModelServer(OpenAiReply("trigger_incremental_backup", "{\"db_name\":\"hr_db\"}"));
        using var http = new HttpClient();
        using var client = new OpenAiChatClient(http, server.BaseAddress, "gpt-4o-mini", null);
        var plan = await PlanAsync(client, "create backup for hr_db");

        Assert.Equal(PlanSources.Fallback("unknown tool 'trigger_incremental_backup'"), plan.Source);
        Assert.Equal("pg2", Assert.Single(plan.Steps).Server);
    }

    [Fact]
    public async Task OpenAiChatFormat_NoAnswerInTime_FallsBackToParser()
    {
        using var release = new CancellationTokenSource();
        await using var server = new ScriptedModelServer(async () =>
        {
            await Task.Delay(Timeout.Infinite, release.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            return (200, OpenAiReply("health", "{}").ToJsonString());
        });
        using var http = new HttpClient();
        using var client = new OpenAiChatClient(http, server.BaseAddress, "gpt-4o-mini", null);
        var plan = await PlanAsync(client, "list backups for hr_db", timeoutSeconds: 1);
        await release.CancelAsync();

        Assert.Equal(PlanSources.Fallback("no answer within 1 s"), plan.Source);
        Assert.Equal("list_backups", Assert.Single(plan.Steps).Operation);
    }

    [Fact]
    public async Task OpenAiChatFormat_ProseInsteadOfToolCall_FallsBackToParser()
    {
        var reply = OpenAiReply("x", "{}");
        reply["choices"]![0]!["message"] = new JsonObject { ["role"] = "assistant", ["content"] = "Sure! I would restore it." };
        await using var server = new ScriptedModelServer(reply);
        using var http = new HttpClient();
        using var client = new OpenAiChatClient(http, server.BaseAddress, "gpt-4o-mini", null);
        var plan = await PlanAsync(client, "restore hr_db to latest");

        Assert.Equal(PlanSources.Fallback("no tool call"), plan.Source);
        Assert.Equal("restore_database", Assert.Single(plan.Steps).Operation);
    }

    [Theory]
    [InlineData("http://h:8000", "http://h:8000/v1/")]
    [InlineData("http://h:8000/v1", "http://h:8000/v1/")]
    [InlineData("http://h/openai/v1/", "http://h/openai/v1/")]
    public void OpenAiBase_WithOrWithoutV1_PointsAtTheV1Api(string configured, string expected) =>
        Assert.Equal(expected, OpenAiChatClient.VersionedBase(new Uri(configured)).ToString());
}
