using PgArk.Assistant.Models;
using PgArk.Assistant.Parsing;
using PgArk.Assistant.Routing;
using PgArk.Core.Operations.Registry;

namespace PgArk.Assistant.Planning;

/// <summary>
/// Request → plan: the model first when one is configured, the deterministic parser otherwise or when the model's answer
/// is unusable (the plan's source says which). A database the map does not know triggers one refresh of the map.
/// </summary>
public sealed class RequestPlanner(ServerDirectory directory, TimeProvider clock, TimeZoneInfo zone, ModelPlanner? model = null)
{
    public async Task<Plan> PlanAsync(string request, CancellationToken cancellationToken)
    {
        var catalog = await directory.GetCatalogAsync(cancellationToken).ConfigureAwait(false);
        var plan = await PlanWithAsync(request, catalog, model, clock, zone, cancellationToken).ConfigureAwait(false);
        if (plan.UnknownDatabase is not null)
        {
            catalog = await directory.RefreshAsync(cancellationToken).ConfigureAwait(false);
            plan = await PlanWithAsync(request, catalog, model, clock, zone, cancellationToken).ConfigureAwait(false);
        }
        return await LocalizeAsync(plan, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One planning pass over a known map: the model's plan if usable, else the parser's (saying why).</summary>
    internal static async Task<Plan> PlanWithAsync(string request, DatabaseCatalog catalog, ModelPlanner? model, TimeProvider clock,
        TimeZoneInfo zone, CancellationToken cancellationToken)
    {
        var parser = new RequestParser(catalog, clock, zone);
        if (model is null || string.IsNullOrWhiteSpace(request))
        {
            return parser.Parse(request);
        }
        var outcome = await model.PlanAsync(request, catalog, cancellationToken).ConfigureAwait(false);
        return outcome.Plan ?? parser.Parse(request) with { Source = PlanSources.Fallback(outcome.Failure!) };
    }

    /// <summary>A server qualified as "agent/server" in the plan is called by its own name on its agent.</summary>
    private async Task<Plan> LocalizeAsync(Plan plan, CancellationToken cancellationToken)
    {
        var steps = new List<PlanStep>();
        foreach (var step in plan.Steps)
        {
            var route = await directory.RouteAsync(step.Server, cancellationToken).ConfigureAwait(false);
            var arguments = step.Arguments;
            if (route.RemoteName != step.Server && arguments.ContainsKey(OperationRegistry.ServerArgument))
            {
                arguments = (System.Text.Json.Nodes.JsonObject)arguments.DeepClone();
                arguments[OperationRegistry.ServerArgument] = route.RemoteName;
            }
            steps.Add(step with { Arguments = arguments });
        }
        return plan with { Steps = steps };
    }
}
