using System.CommandLine;
using PgArk.Cli.Rendering;
using PgArk.Core.Errors;
using PgArk.Core.Operations;

namespace PgArk.Cli.Commands;

/// <summary><c>pgark init</c> and <c>pgark check</c>.</summary>
internal static class SetupCommands
{
    public static Command CreateInit(CommandFactory factory)
    {
        var server = CommonOptions.Server();
        return factory.Create("init", "Create the server's area in each repository and record its system identifier", async (context, ct) =>
        {
            var operationContext = context.LoadOperationContext();
            var result = await new InitOperation().RunAsync(operationContext, new InitInput(context.ParseResult.GetValue(server)!), null, ct);
            if (context.Format == OutputFormat.Json)
            {
                await Output.WriteJsonAsync(context.Out, result);
                return 0;
            }
            foreach (var (repository, outcome) in result.Repositories)
            {
                await context.Out.WriteLineAsync($"server '{result.Server}' in repository '{repository}': {outcome} (system identifier {result.SystemIdentifier}, PostgreSQL {result.PgVersionNum / 10000})");
            }
            return 0;
        }, server);
    }

    public static Command CreateCheck(CommandFactory factory)
    {
        var server = CommonOptions.Server();
        var timeout = new Option<int>("--archive-timeout") { Description = "Seconds to wait for the switched WAL segment", DefaultValueFactory = _ => 60 };
        return factory.Create("check", "Check connection, WAL settings and an archive_command round trip through the repository", async (context, ct) =>
        {
            var operationContext = context.LoadOperationContext();
            var result = await new CheckOperation().RunAsync(operationContext,
                new CheckInput(context.ParseResult.GetValue(server)!, TimeSpan.FromSeconds(context.ParseResult.GetValue(timeout))), null, ct);
            if (context.Format == OutputFormat.Json)
            {
                await Output.WriteJsonAsync(context.Out, result);
            }
            else
            {
                foreach (var check in result.Checks)
                {
                    await context.Out.WriteLineAsync($"{(check.Ok ? "ok  " : "FAIL")}  {check.Name}: {check.Detail}");
                }
                foreach (var warning in result.Warnings)
                {
                    await context.Out.WriteLineAsync($"warn  {warning}");
                }
            }
            return result.Ok ? 0 : (int)ErrorKind.Failed;
        }, server, timeout);
    }
}
