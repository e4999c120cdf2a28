using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using PgArk.Assistant.Parsing;
using PgArk.Assistant.Planning;
using PgArk.Cli.Rendering;
using PgArk.Core.Errors;

namespace PgArk.Cli.Commands;

/// <summary>
/// <c>pgark ask ["request"] [--dry-run] [--yes] [--server S]</c>: plain-English requests. Shows the plan before acting,
/// asks before anything destructive (refuses without a terminal unless --yes); no request starts a <c>backup&gt;</c> prompt.
/// </summary>
internal static class AskCommand
{
    private static readonly JsonSerializerOptions s_indented = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create(CommandFactory factory)
    {
        var request = new Argument<string[]>("request") { Description = "What to do, e.g. \"restore customer_db to latest\"", Arity = ArgumentArity.ZeroOrMore };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show the plan only (with --output json: only the plan JSON)" };
        var yes = new Option<bool>("--yes", "-y") { Description = "Run destructive steps without asking" };
        var server = new Option<string?>("--server", "-s") { Description = "The server to use when a database exists on several" };
        return factory.Create("ask", "Plain-English requests: plan, confirm, run (no request: interactive prompt)", async (context, ct) =>
        {
            var options = new AskOptions(context.ParseResult.GetValue(dryRun), context.ParseResult.GetValue(yes), context.ParseResult.GetValue(server));
            using var session = new AskSession(context.LoadOperationContext());
            var words = context.ParseResult.GetValue(request) ?? [];
            if (words.Length > 0)
            {
                return await HandleAsync(context, session, string.Join(' ', words), options, ct);
            }
            return await PromptAsync(context, session, options, ct);
        }, request, dryRun, yes, server);
    }

    private static async Task<int> PromptAsync(CliContext context, AskSession session, AskOptions options, CancellationToken ct)
    {
        var interactive = !Console.IsInputRedirected && ReferenceEquals(context.Out, Console.Out);
        var editor = new LineEditor(context.Out, interactive ? PromptHistory.ForCurrentUser() : null);
        if (interactive)
        {
            await context.Out.WriteLineAsync("Ask for backups, restores, verification… ('help' lists what I can do, 'exit' leaves).");
        }
        var exit = 0;
        while (!ct.IsCancellationRequested)
        {
            var line = interactive ? editor.ReadLine("backup> ", remember: false) : await Console.In.ReadLineAsync(ct);
            if (line is null || line.Trim() is "exit" or "quit" or "q")
            {
                break;
            }
            if (interactive)
            {
                editor.Remember(line);
            }
            if (line.Trim().Length == 0)
            {
                continue;
            }
            try
            {
                exit = await HandleAsync(context, session, line, options with { Interactive = interactive, Editor = editor }, ct);
            }
            catch (PgArkException ex)
            {
                await context.Error.WriteLineAsync($"pgark: {ex.Message}");
                if (ex.Hint is not null)
                {
                    await context.Error.WriteLineAsync($"hint: {ex.Hint}");
                }
                exit = ex.ExitCode;
            }
        }
        return exit;
    }

    private static async Task<int> HandleAsync(CliContext context, AskSession session, string request, AskOptions options, CancellationToken ct)
    {
        var text = options.Server is null ? request : $"{request} --server {options.Server}";
        var plan = await session.Planner.PlanAsync(text, ct);
        var json = context.Format == OutputFormat.Json;
        if (json && options.DryRun)
        {
            // Only the plan on stdout, exactly {"steps":[...]}, for scripts; where it came from and any answer go to stderr.
            await context.Out.WriteLineAsync(new JsonObject { ["steps"] = plan.ToJson()["steps"]!.DeepClone() }.ToJsonString(s_indented));
            if (plan.Source != PlanSources.Parser)
            {
                await context.Error.WriteLineAsync($"plan source: {plan.Source}");
            }
            if (plan.Message is not null)
            {
                await context.Error.WriteLineAsync(plan.Message);
            }
            return plan.Steps.Count == 0 && plan.Message != RequestParser.HelpText ? (int)ErrorKind.Usage : 0;
        }
        if (!json)
        {
            await WritePlanAsync(context, session, plan);
        }
        if (plan.Steps.Count == 0)
        {
            if (json)
            {
                await context.Out.WriteLineAsync(new JsonObject { ["plan"] = plan.ToJson() }.ToJsonString(s_indented));
            }
            return plan.Message == RequestParser.HelpText ? 0 : (int)ErrorKind.Usage;
        }
        if (options.DryRun)
        {
            return 0;
        }
        // --yes stands for the user only on the kinds of step the request names: a plan that deletes when the user asked
        // for a list is asked about (or refused without a terminal), whoever planned it.
        var unasked = plan.Steps.Where(s => session.Runner.IsDestructive(s) && !RequestedKinds.Asks(request, s.Operation))
            .Select(s => s.Operation).Distinct().ToList();
        var confirmed = (options.Yes && unasked.Count == 0) || !plan.Steps.Any(session.Runner.IsDestructive)
            || await ConfirmAsync(context, plan, options, options.Yes ? unasked : []);
        var results = new JsonArray();
        foreach (var step in plan.Steps)
        {
            var result = await session.Runner.RunAsync(plan, step, confirmed, ct);
            if (json)
            {
                results.Add(new JsonObject { ["server"] = step.Server, ["operation"] = step.Operation, ["result"] = result });
            }
            else
            {
                await context.Out.WriteLineAsync($"{step.Server} {step.Operation}:");
                await context.Out.WriteLineAsync(result?.ToJsonString(s_indented) ?? "null");
            }
        }
        if (json)
        {
            await context.Out.WriteLineAsync(new JsonObject { ["plan"] = plan.ToJson(), ["results"] = results }.ToJsonString(s_indented));
        }
        return 0;
    }

    private static async Task WritePlanAsync(CliContext context, AskSession session, Plan plan)
    {
        if (!ReferenceEquals(session.ProblemsShown, session.Directory.Problems))
        {
            foreach (var problem in session.Directory.Problems)
            {
                await context.Error.WriteLineAsync($"warning: {problem}");
            }
            session.ProblemsShown = session.Directory.Problems;
        }
        if (plan.Steps.Count > 0)
        {
            await context.Out.WriteLineAsync($"Plan ({plan.Source}):");
            for (var i = 0; i < plan.Steps.Count; i++)
            {
                var step = plan.Steps[i];
                var mark = session.Runner.IsDestructive(step) ? "  [destructive]" : "";
                await context.Out.WriteLineAsync($"  {i + 1}. server {step.Server}: {step.Operation} {step.Arguments.ToJsonString()}{mark}");
            }
        }
        if (plan.Message is not null)
        {
            await context.Out.WriteLineAsync(plan.Message);
        }
    }

    /// <summary>Asks on the terminal; without one (stdin redirected or closed) a destructive plan is refused.</summary>
    /// <param name="unasked">With --yes: the destructive operations the request did not ask for, which --yes does not confirm.</param>
    private static async Task<bool> ConfirmAsync(CliContext context, Plan plan, AskOptions options, IReadOnlyList<string> unasked)
    {
        var operations = string.Join(", ", plan.Steps.Select(s => s.Operation).Distinct());
        var terminal = !Console.IsInputRedirected && ReferenceEquals(context.Out, Console.Out);
        if (!terminal)
        {
            if (unasked.Count > 0)
            {
                throw new RefusedException(
                    $"'{string.Join(", ", unasked)}' is destructive and the request did not ask for it: --yes confirms only the kinds of step a request names (restore, delete, expire, import)",
                    "ask for it in so many words, or confirm at a terminal");
            }
            throw new RefusedException($"'{operations}' is destructive and there is no terminal to confirm on", "pass --yes to run it anyway");
        }
        var question = unasked.Count > 0
            ? $"The request did not ask for '{string.Join(", ", unasked)}'. Run it? This is destructive. [y/N] "
            : "Run it? This is destructive. [y/N] ";
        var answer = (options.Editor ?? new LineEditor(context.Out)).ReadLine(question, remember: false);
        if (answer?.Trim().ToLowerInvariant() is "y" or "yes")
        {
            return true;
        }
        throw new RefusedException($"'{operations}' not run: not confirmed");
    }

    private sealed record AskOptions(bool DryRun, bool Yes, string? Server, bool Interactive = false, LineEditor? Editor = null);
}
