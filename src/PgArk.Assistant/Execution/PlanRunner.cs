using System.Text.Json;
using System.Text.Json.Nodes;
using PgArk.Assistant.Planning;
using PgArk.Assistant.Routing;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Registry;

namespace PgArk.Assistant.Execution;

/// <summary>Runs a plan's step where its server lives: through the local registry, or through its agent's <c>/invoke</c>.</summary>
public sealed class PlanRunner(OperationContext context, OperationRegistry registry, ServerDirectory directory)
{
    /// <summary>
    /// Destructive per the registry; an operation this build's registry does not list is treated as destructive, so a
    /// newer agent's operation is never run unconfirmed.
    /// </summary>
    public bool IsDestructive(PlanStep step) =>
        registry.Operations.FirstOrDefault(o => o.Name == step.Operation) is not { } operation || operation.Destructive;

    /// <summary>Runs one step of <paramref name="plan"/>.</summary>
    /// <remarks>
    /// A model's steps run as a remote caller's do, whoever runs <c>ask</c>: a model can be talked into naming any path, so
    /// its restore targets and export/import files are confined as REST's and MCP's are; the parser's steps carry the
    /// user's own words and run as the command line does.
    /// </remarks>
    /// <exception cref="RefusedException">The step is destructive and was not confirmed.</exception>
    public async Task<JsonNode?> RunAsync(Plan plan, PlanStep step, bool confirmed, CancellationToken cancellationToken)
    {
        var arguments = (JsonObject)step.Arguments.DeepClone();
        if (IsDestructive(step))
        {
            if (!confirmed)
            {
                throw new RefusedException($"'{step.Operation}' is destructive and was not confirmed", "answer 'y' at the prompt or pass --yes");
            }
            arguments[OperationRegistry.ConfirmArgument] = true;
        }
        var route = await directory.RouteAsync(step.Server, cancellationToken).ConfigureAwait(false);
        if (route.Agent is { } agent)
        {
            return await agent.InvokeAsync(step.Operation, arguments, cancellationToken).ConfigureAwait(false);
        }
        using var document = JsonDocument.Parse(arguments.ToJsonString());
        var caller = plan.Source == PlanSources.Model ? context.For(OperationCaller.Remote) : context;
        var invocation = await registry.InvokeAsync(caller, step.Operation, document.RootElement, cancellationToken).ConfigureAwait(false);
        return invocation.Result;
    }
}
