using System.Globalization;
using PgArk.Core.Restore;

namespace PgArk.Cli.Rendering;

internal static partial class TextRenderers
{
    /// <summary><c>pgark restore</c>: what was restored where, what a delta rewrote, and the recovery settings written.</summary>
    private static async Task RestoredAsync(TextWriter output, RestoreResult r)
    {
        var speed = string.Create(CultureInfo.InvariantCulture, $"{r.DurationSeconds:0.00} s, {r.MegabytesPerSecond:0.0} MB/s");
        await output.WriteLineAsync($"restored backup {r.BackupId} into {r.DataDirectory}: {Output.Bytes(r.Bytes)}, {r.Files} files, {speed}");
        if (r.Delta)
        {
            var rewritten = string.Create(CultureInfo.InvariantCulture, $"rewrote {r.FilesRewritten} of {r.Files} files");
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"delta: {rewritten} ({Output.Bytes(r.BytesRewritten)}), removed {r.FilesRemoved} files and folders the backup does not have"));
        }
        if (r.SavedWalFolder is { } saved)
        {
            await output.WriteLineAsync($"WAL files not marked as archived were moved to {saved} (not deleted)");
        }
        await output.WriteLineAsync(
            $"recovery target: {r.Target}; start the server to replay WAL. Settings written to postgresql.auto.conf:");
        foreach (var setting in r.RecoverySettings)
        {
            await output.WriteLineAsync($"  {setting}");
        }
    }

    /// <summary><c>pgark restore-database</c>: the plan (all a dry run prints), then what the restore did.</summary>
    private static async Task RestoredDatabaseAsync(TextWriter output, DatabaseRestoreResult r)
    {
        var plan = r.Plan;
        await output.WriteLineAsync($"plan: restore database '{plan.Database}' of server {plan.Server} to {plan.Target}" +
            (plan.Into != plan.Database ? $" into '{plan.Into}'" : ""));
        await RecoveryPlanAsync(output, plan);
        await output.WriteLineAsync($"  live database: {plan.LiveDatabase}");
        await StepsAsync(output, plan.Steps);
        if (r.DryRun)
        {
            return;
        }
        await output.WriteLineAsync(
            $"restored database '{plan.Into}' of server {plan.Server}: {Reached(r.ReachedTime)}, LSN {r.ReachedLsn}");
        if (r.KeptAs is not null)
        {
            await output.WriteLineAsync($"  the previous '{plan.Database}' is kept as '{r.KeptAs}'");
        }
        else if (r.Replaced)
        {
            await output.WriteLineAsync($"  the previous '{plan.Database}' was dropped (--replace)");
        }
        var before = r.RowsBefore.ToDictionary(c => c.Table, c => c.Rows);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {"table",-40} {"before",12} {"after",12}"));
        foreach (var table in r.RowsBefore.Select(c => c.Table).Union(r.RowsAfter.Select(c => c.Table)).Order(StringComparer.Ordinal))
        {
            var after = r.RowsAfter.FirstOrDefault(c => c.Table == table);
            var rowsBefore = before.TryGetValue(table, out var b) ? b.ToString(CultureInfo.InvariantCulture) : "-";
            var rowsAfter = after is null ? "-" : after.Rows.ToString(CultureInfo.InvariantCulture);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {table,-40} {rowsBefore,12} {rowsAfter,12}"));
        }
        await PhasesAsync(output, r.Phases, r.TotalSeconds);
    }

    /// <summary><c>pgark restore-table</c>: the plan (all a dry run prints), then the tables restored and keys moved.</summary>
    private static async Task RestoredTablesAsync(TextWriter output, TableRestoreResult r)
    {
        var plan = r.Plan;
        var recovery = plan.Recovery;
        await output.WriteLineAsync($"plan: restore {string.Join(", ", plan.Tables.Select(t => $"{t.Schema}.{t.Name}"))} of database " +
            $"'{recovery.Database}' on server {recovery.Server} to {recovery.Target}" +
            (plan.Replace ? ", replacing the live tables" : ""));
        await RecoveryPlanAsync(output, recovery);
        foreach (var table in plan.Tables)
        {
            var live = table.LiveExists ? "exists on the live server" : "not on the live server now";
            await output.WriteLineAsync(plan.Replace
                ? $"  table:    {table.Schema}.{table.Name} ({live}): replaced by its content at the target"
                : $"  table:    {table.Schema}.{table.Name} ({live}) -> {table.Schema}.{table.Into}");
            foreach (var key in table.DependentKeys)
            {
                await output.WriteLineAsync(
                    $"  foreign key {key.Name} on {key.Table} references it: {key.Definition} (re-created and validated)");
            }
        }
        await StepsAsync(output, plan.Steps);
        if (r.DryRun)
        {
            return;
        }
        await output.WriteLineAsync($"restored {string.Join(", ", r.Restored.Select(t => t.Table))} in database '{recovery.Database}' " +
            $"of server {recovery.Server}: {Reached(r.ReachedTime)}, LSN {r.ReachedLsn}");
        foreach (var table in r.Restored)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  {table.Table}: {table.Rows} rows, every row equal to the sandbox's at the target"));
        }
        foreach (var key in r.MovedForeignKeys)
        {
            await output.WriteLineAsync($"  foreign key {key.Name} on {key.Table} now references the restored rows (validated)");
        }
        await PhasesAsync(output, r.Phases, r.TotalSeconds);
    }

    /// <summary>The sandbox recovery part of a plan (window, backups, WAL, recovery settings), shared by both.</summary>
    private static async Task RecoveryPlanAsync(TextWriter output, DatabaseRestorePlan plan)
    {
        await output.WriteLineAsync(
            $"  recoverable window: {DatabaseRestorePlanner.Format(plan.WindowFrom)} .. {DatabaseRestorePlanner.Format(plan.WindowTo)}");
        foreach (var backup in plan.Chain)
        {
            await output.WriteLineAsync(
                $"  backup:   {backup.Id} ({backup.Type}, ended {DatabaseRestorePlanner.Format(backup.StopTime)}, LSN {backup.StopLsn})" +
                (ReferenceEquals(backup, plan.Backup) ? $", {Output.Bytes(plan.RestoreBytes)} to restore" : ""));
        }
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"  WAL:      {plan.WalFrom} .. {plan.WalTo} ({plan.WalSegments} segments, timeline {plan.Timeline}) from {plan.WalSource}"));
        foreach (var setting in plan.RecoverySettings)
        {
            await output.WriteLineAsync($"  recovery: {setting}");
        }
    }

    private static async Task StepsAsync(TextWriter output, IReadOnlyList<string> steps)
    {
        for (var i = 0; i < steps.Count; i++)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {i + 1}. {steps[i]}"));
        }
    }

    private static string Reached(DateTimeOffset? time) =>
        time is { } t ? $"last commit replayed at {DatabaseRestorePlanner.Format(t)}" : "no commit replayed after the backup";

    private static Task PhasesAsync(TextWriter output, IReadOnlyList<PhaseTiming> phases, double totalSeconds) => output.WriteLineAsync(
        "  phases: " + string.Join(", ", phases.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Phase} {p.Seconds:0.00} s")))
        + string.Create(CultureInfo.InvariantCulture, $"; total {totalSeconds:0.00} s"));
}
