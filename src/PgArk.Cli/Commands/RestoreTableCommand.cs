using System.CommandLine;
using System.Globalization;
using PgArk.Cli.Rendering;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Core.Restore;

namespace PgArk.Cli.Commands;

/// <summary>
/// <c>pgark restore-table --server S --database D --table T [--table …] (--target-time TS | --target latest) [--into NAME | --replace]
/// [--dry-run] [--yes]</c>: table-level PITR. Without --yes it prints the plan and stops (exit 4).
/// </summary>
internal static class RestoreTableCommand
{
    public static Command Create(CommandFactory factory)
    {
        var server = CommonOptions.Server();
        var database = new Option<string>("--database", "-d") { Description = "Database the tables are in", Required = true };
        var tables = new Option<string[]>("--table", "-t")
        {
            Description = "Table to restore (schema.table or table); repeat for more", Required = true, AllowMultipleArgumentsPerToken = false,
        };
        var time = new Option<string?>("--target-time") { Description = "Restore the tables as they were at this time (ISO 8601; UTC when no zone is given)" };
        var target = new Option<string?>("--target") { Description = "latest: as of the end of the archived WAL (the current WAL is archived first)" };
        var into = new Option<string?>("--into") { Description = "Name of the restored table beside the live one (default <table>_restored_<target time>)" };
        var replace = new Option<bool>("--replace") { Description = "Swap the restored tables in for the live ones in one transaction" };
        var yes = new Option<bool>("--yes", "-y") { Description = "Go ahead (without it the plan is printed and nothing changes)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan only" };
        var sandbox = new Option<string?>("--sandbox-dir") { Description = "Folder for the temporary sandbox cluster (default: the system temp folder)" };
        return factory.Create("restore-table", "Restore tables to a point in time, beside the live ones or in their place", async (context, ct) =>
        {
            var p = context.ParseResult;
            var operationContext = context.LoadOperationContext();
            var confirmed = p.GetValue(yes);
            var input = new RestoreTableInput(p.GetValue(server)!, p.GetValue(database)!, p.GetValue(tables) ?? [], p.GetValue(time), p.GetValue(target),
                p.GetValue(into), p.GetValue(replace), p.GetValue(dryRun) || !confirmed, confirmed);
            var operation = new RestoreTableOperation { SandboxParent = p.GetValue(sandbox) };
            var result = await ProgressRenderer.RunAsync(context, $"restore-table {string.Join(", ", input.Tables)}",
                progress => operation.RunAsync(operationContext, input, progress, ct));
            if (context.Format == OutputFormat.Json)
            {
                await Output.WriteJsonAsync(context.Out, result);
            }
            else
            {
                await WritePlanAsync(context.Out, result.Plan);
                if (!result.DryRun)
                {
                    await WriteOutcomeAsync(context.Out, result);
                }
            }
            if (result.DryRun && !p.GetValue(dryRun))
            {
                throw new RefusedException($"restoring {string.Join(", ", input.Tables)} changes database '{input.Database}': nothing was changed",
                    "add --yes to go ahead");
            }
            return 0;
        }, server, database, tables, time, target, into, replace, yes, dryRun, sandbox);
    }

    private static async Task WritePlanAsync(TextWriter output, TableRestorePlan plan)
    {
        var recovery = plan.Recovery;
        await output.WriteLineAsync($"plan: restore {string.Join(", ", plan.Tables.Select(t => $"{t.Schema}.{t.Name}"))} of database " +
            $"'{recovery.Database}' on server {recovery.Server} to {recovery.Target}" + (plan.Replace ? ", replacing the live tables" : ""));
        await RestoreDatabaseCommand.WriteRecoveryAsync(output, recovery);
        foreach (var table in plan.Tables)
        {
            var live = table.LiveExists ? "exists on the live server" : "not on the live server now";
            await output.WriteLineAsync(plan.Replace
                ? $"  table:    {table.Schema}.{table.Name} ({live}): replaced by its content at the target"
                : $"  table:    {table.Schema}.{table.Name} ({live}) -> {table.Schema}.{table.Into}");
            foreach (var key in table.DependentKeys)
            {
                await output.WriteLineAsync($"  foreign key {key.Name} on {key.Table} references it: {key.Definition} (re-created and validated)");
            }
        }
        for (var i = 0; i < plan.Steps.Count; i++)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {i + 1}. {plan.Steps[i]}"));
        }
    }

    private static async Task WriteOutcomeAsync(TextWriter output, TableRestoreResult result)
    {
        var reached = result.ReachedTime is { } t ? $"last commit replayed at {DatabaseRestorePlanner.Format(t)}" : "no commit replayed after the backup";
        await output.WriteLineAsync($"restored {string.Join(", ", result.Restored.Select(r => r.Table))} in database '{result.Plan.Recovery.Database}' " +
            $"of server {result.Plan.Recovery.Server}: {reached}, LSN {result.ReachedLsn}");
        foreach (var table in result.Restored)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {table.Table}: {table.Rows} rows, every row equal to the sandbox's at the target"));
        }
        foreach (var key in result.MovedForeignKeys)
        {
            await output.WriteLineAsync($"  foreign key {key.Name} on {key.Table} now references the restored rows (validated)");
        }
        await output.WriteLineAsync("  phases: " + string.Join(", ", result.Phases.Select(ph => string.Create(CultureInfo.InvariantCulture, $"{ph.Phase} {ph.Seconds:0.00} s")))
            + string.Create(CultureInfo.InvariantCulture, $"; total {result.TotalSeconds:0.00} s"));
    }
}
