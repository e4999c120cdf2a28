using System.Text.Json.Nodes;

namespace PgArk.Assistant.Planning;

/// <summary>One call: which server runs which registry operation with which (snake_case) arguments.</summary>
public sealed record PlanStep(string Server, string Operation, JsonObject Arguments);

/// <summary>Where a plan came from, said in the plan so a user can tell a model's reading from the parser's.</summary>
public static class PlanSources
{
    public const string Parser = "parser";
    public const string Model = "model";

    public static string Fallback(string reason) => $"parser (model fallback: {reason})";
}

/// <summary>
/// What the assistant will do for a request: zero or more steps, and a message for the user (an answer when there are no
/// steps — help, "did you mean", "which server" — or a note about the steps).
/// </summary>
/// <param name="UnknownDatabase">A database name the request used that no known server has (the router refreshes and retries).</param>
public sealed record Plan(IReadOnlyList<PlanStep> Steps, string Source, string? Message = null, string? UnknownDatabase = null)
{
    public static Plan Answer(string message, string source = PlanSources.Parser, string? unknownDatabase = null) =>
        new([], source, message, unknownDatabase);

    /// <summary>The plan as <c>{"steps":[{"server","operation","arguments"}],"source","message"?}</c>.</summary>
    public JsonObject ToJson()
    {
        var steps = new JsonArray();
        foreach (var step in Steps)
        {
            steps.Add(new JsonObject
            {
                ["server"] = step.Server,
                ["operation"] = step.Operation,
                ["arguments"] = step.Arguments.DeepClone(),
            });
        }
        var json = new JsonObject { ["steps"] = steps, ["source"] = Source };
        if (Message is not null)
        {
            json["message"] = Message;
        }
        return json;
    }
}
