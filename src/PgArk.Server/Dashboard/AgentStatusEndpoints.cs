using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Builder;
using PgArk.Assistant.Routing;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Server.Api;

namespace PgArk.Server.Dashboard;

/// <summary>
/// <c>GET /api/agents</c>: the <c>agents</c> of a supervisor config as the dashboard's overview shows them. Each agent is
/// asked for its <c>health</c> through its own API (<c>POST /invoke</c> with its key, the same client <c>pgark ask</c>
/// routes with), all at once and each within <see cref="s_timeout"/>, so one agent that is down costs the page at most that.
/// Nothing is cached or assumed: an agent that does not answer is shown unreachable, with the reason.
/// </summary>
internal sealed class AgentStatusEndpoints(ApiEndpoints api, OperationContext context, CancellationToken stopping)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(5);
    private static readonly HttpClient s_http = new() { Timeout = s_timeout };

    public void Map(IEndpointRouteBuilder app) => app.MapGet("/api/agents", (RequestDelegate)AgentsAsync);

    private Task AgentsAsync(HttpContext http) => api.GuardAsync(http, async () =>
    {
        ApiEndpoints.Authorize(api.Authenticate(http), "agents", OperationRole.Viewer);
        using var request = CancellationTokenSource.CreateLinkedTokenSource(stopping, http.RequestAborted);
        var agents = await Task.WhenAll(context.Options.Agents.Select(a => AskAsync(a, request.Token))).ConfigureAwait(false);
        await ApiJson.WriteAsync(http, new JsonObject { ["agents"] = new JsonArray(agents) }).ConfigureAwait(false);
    });

    private static async Task<JsonNode?> AskAsync(AgentOptions agent, CancellationToken cancellationToken)
    {
        var entry = new JsonObject { ["name"] = agent.Name, ["url"] = agent.Url.ToString() };
        try
        {
            var health = await new AgentClient(agent, s_http, Environment.GetEnvironmentVariable)
                .InvokeAsync("health", new JsonObject(), cancellationToken).ConfigureAwait(false);
            entry["reachable"] = true;
            entry["status"] = health?["status"]?.DeepClone();
            entry["servers"] = health?["servers"]?.DeepClone() ?? new JsonArray();
            entry["repositories"] = health?["repositories"]?.DeepClone() ?? new JsonArray();
        }
        catch (PgArkException ex)
        {
            entry["reachable"] = false;
            entry["error"] = ex.Message;
        }
        return entry;
    }
}
