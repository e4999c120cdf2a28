using System.CommandLine;
using System.Globalization;
using PgArk.Cli.Rendering;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Core.Restore;

namespace PgArk.Cli.Commands;

/// <summary>
/// <c>pgark restore-database --server S --database D (--target-time TS | --target latest) [--into NAME] [--replace] [--yes] [--dry-run]</c>:
/// database-level PITR. Without --yes it prints the plan and stops.
/// </summary>
internal static class RestoreDatabaseCommand
{
    public static Command Create(CommandFactory factory)
    {
        var server = CommonOptions.Server();
        var database = new Option<string>("--database", "-d") { Description = "Database to restore", Required = true };
        var time = new Option<string?>("--target-time") { Description = "Restore the database as it was at this time (ISO 8601; UTC when no zone is given)" };
        var target = new Option<string?>("--target") { Description = "latest: as of the end of the archived WAL (the current WAL is archived first)" };
        var into = new Option<string?>("--into") { Description = "Restore into this new database and leave the live one alone" };
        var replace = new Option<bool>("--replace") { Description = "Drop the live database after the swap instead of keeping it as <db>_before_restore_<ts>" };
        var yes = new Option<bool>("--yes", "-y") { Description = "Go ahead (without it the plan is printed and nothing changes)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan only" };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Parallel pg_dump/pg_restore jobs for the move out of the sandbox (default: one per core, at most 8)" };
        var sandbox = new Option<string?>("--sandbox-dir") { Description = "Folder for the temporary sandbox cluster (default: the system temp folder)" };
        return factory.Create("restore-database", "Restore one database to a point in time; other databases are untouched", async (context, ct) =>
        {
            var p = context.ParseResult;
            var operationContext = context.LoadOperationContext();
            var confirmed = p.GetValue(yes);
            var input = new RestoreDatabaseInput(p.GetValue(server)!, p.GetValue(database)!, p.GetValue(time), p.GetValue(target), p.GetValue(into),
                p.GetValue(replace), p.GetValue(dryRun) || !confirmed, confirmed, p.GetValue(jobs));
            var operation = new RestoreDatabaseOperation { SandboxParent = p.GetValue(sandbox) };
            var result = await ProgressRenderer.RunAsync(context, $"restore-database {input.Database}",
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
                throw new RefusedException($"restoring database '{input.Database}' replaces it: nothing was changed", "add --yes to go ahead");
            }
            return 0;
        }, server, database, time, target, into, replace, yes, dryRun, jobs, sandbox);
    }

    private static async Task WritePlanAsync(TextWriter output, DatabaseRestorePlan plan)
    {
        await output.WriteLineAsync($"plan: restore database '{plan.Database}' of server {plan.Server} to {plan.Target}" +
            (plan.Into != plan.Database ? $" into '{plan.Into}'" : ""));
        await WriteRecoveryAsync(output, plan);
        await output.WriteLineAsync($"  live database: {plan.LiveDatabase}");
        for (var i = 0; i < plan.Steps.Count; i++)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {i + 1}. {plan.Steps[i]}"));
        }
    }

    /// <summary>The sandbox recovery part of a plan (window, backups, WAL, recovery settings), shared with restore-table.</summary>
    internal static async Task WriteRecoveryAsync(TextWriter output, DatabaseRestorePlan plan)
    {
        await output.WriteLineAsync($"  recoverable window: {DatabaseRestorePlanner.Format(plan.WindowFrom)} .. {DatabaseRestorePlanner.Format(plan.WindowTo)}");
        foreach (var backup in plan.Chain)
        {
            await output.WriteLineAsync($"  backup:   {backup.Id} ({backup.Type}, ended {DatabaseRestorePlanner.Format(backup.StopTime)}, LSN {backup.StopLsn})" +
                (ReferenceEquals(backup, plan.Backup) ? $", {Output.Bytes(plan.RestoreBytes)} to restore" : ""));
        }
        await output.WriteLineAsync($"  WAL:      {plan.WalFrom} .. {plan.WalTo} ({plan.WalSegments} segments, timeline {plan.Timeline}) from {plan.WalSource}");
        foreach (var setting in plan.RecoverySettings)
        {
            await output.WriteLineAsync($"  recovery: {setting}");
        }
    }

    private static async Task WriteOutcomeAsync(TextWriter output, DatabaseRestoreResult result)
    {
        var reached = result.ReachedTime is { } t ? $"last commit replayed at {DatabaseRestorePlanner.Format(t)}" : "no commit replayed after the backup";
        await output.WriteLineAsync($"restored database '{result.Plan.Into}' of server {result.Plan.Server}: {reached}, LSN {result.ReachedLsn}");
        if (result.KeptAs is not null)
        {
            await output.WriteLineAsync($"  the previous '{result.Plan.Database}' is kept as '{result.KeptAs}'");
        }
        else if (result.Replaced)
        {
            await output.WriteLineAsync($"  the previous '{result.Plan.Database}' was dropped (--replace)");
        }
        var before = result.RowsBefore.ToDictionary(r => r.Table, r => r.Rows);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {"table",-40} {"before",12} {"after",12}"));
        foreach (var table in result.RowsBefore.Select(r => r.Table).Union(result.RowsAfter.Select(r => r.Table)).Order(StringComparer.Ordinal))
        {
            var after = result.RowsAfter.FirstOrDefault(r => r.Table == table);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  {table,-40} {(before.TryGetValue(table, out var b) ? b.ToString(CultureInfo.InvariantCulture) : "-"),12} {(after is null ? "-" : after.Rows.ToString(CultureInfo.InvariantCulture)),12}"));
        }
        await output.WriteLineAsync("  phases: " + string.Join(", ", result.Phases.Select(ph => string.Create(CultureInfo.InvariantCulture, $"{ph.Phase} {ph.Seconds:0.00} s")))
            + string.Create(CultureInfo.InvariantCulture, $"; total {result.TotalSeconds:0.00} s"));
    }
}
