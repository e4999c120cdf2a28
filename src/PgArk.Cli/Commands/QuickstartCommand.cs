using System.CommandLine;
using PgArk.Cli.Rendering;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;

namespace PgArk.Cli.Commands;

/// <summary><c>pgark quickstart [--dir DIR]</c>: needs no configuration; it writes its own.</summary>
internal static class QuickstartCommand
{
    public static Command Create(CommandFactory factory)
    {
        var dir = new Option<string>("--dir") { Description = "Folder for the sandbox clusters and repository", DefaultValueFactory = _ => "./.pgark-quickstart" };
        return factory.Create("quickstart", "Sandbox cluster + local repository: backup, change, point-in-time restore, verify by content", async (context, ct) =>
        {
            var placeholder = new PgArkOptions("(quickstart)", [], [], PgArkOptions.DefaultLockPath);
            var operationContext = new OperationContext(placeholder, context.LoggerFactory);
            var steps = 0;
            var progress = context.Format == OutputFormat.Text
                ? new PgArk.Core.Common.SynchronousProgress<PgArk.Core.Common.OperationProgress>(p => context.Error.WriteLine($"[{++steps}] {p.Phase} ..."))
                : null;
            var result = await new QuickstartOperation().RunAsync(operationContext, new QuickstartInput(context.ParseResult.GetValue(dir)!), progress, ct);
            if (context.Format == OutputFormat.Json)
            {
                await Output.WriteJsonAsync(context.Out, result);
                return 0;
            }
            foreach (var step in result.Steps)
            {
                await context.Out.WriteLineAsync($"{step.Seconds,7:0.00} s  {step.Name}: {step.Detail}");
            }
            await context.Out.WriteLineAsync($"quickstart passed in {result.TotalSeconds:0.0} s: the cluster restored to T equals the source at T. Files: {result.Directory}");
            await context.Out.WriteLineAsync($"explore: pgark --config {result.ConfigFile} info");
            return 0;
        }, dir);
    }
}
