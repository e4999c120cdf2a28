using PgArk.Assistant.Execution;
using PgArk.Assistant.Models;
using PgArk.Assistant.Planning;
using PgArk.Assistant.Routing;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Registry;

namespace PgArk.Cli.Commands;

/// <summary>Everything one <c>pgark ask</c> run plans and executes with; the database map is learned once per session.</summary>
internal sealed class AskSession : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    public AskSession(OperationContext context)
    {
        var registry = OperationRegistry.Default;
        var agents = context.Options.Agents.Select(a => new AgentClient(a, _http, Environment.GetEnvironmentVariable)).ToList();
        Directory = new ServerDirectory(context, agents);
        Planner = new RequestPlanner(Directory, TimeProvider.System, TimeZoneInfo.Local, CreateModel(context.Options.Assistant, registry));
        Runner = new PlanRunner(context, registry, Directory);
    }

    public ServerDirectory Directory { get; }
    public RequestPlanner Planner { get; }
    public PlanRunner Runner { get; }

    /// <summary>The directory's problems already printed (warned once per learning of the map, not per request).</summary>
    public IReadOnlyList<string>? ProblemsShown { get; set; }

    private ModelPlanner? CreateModel(AssistantOptions? options, OperationRegistry registry)
    {
        if (options is null)
        {
            return null;
        }
        var key = options.ApiKeyEnv is null ? null : Environment.GetEnvironmentVariable(options.ApiKeyEnv);
#pragma warning disable CA2000 // ownership passes to the ModelPlanner kept for the session; the HttpClient the chat client wraps is _http, disposed by Dispose
        Microsoft.Extensions.AI.IChatClient client = options.Provider == AssistantProvider.Ollama
            ? new OllamaChatClient(_http, options.Url, options.Model)
            : new OpenAiChatClient(_http, options.Url, options.Model, key);
#pragma warning restore CA2000
        return new ModelPlanner(client, registry, TimeProvider.System, TimeZoneInfo.Local, TimeSpan.FromSeconds(options.TimeoutSeconds));
    }

    public void Dispose() => _http.Dispose();
}
