using System.CommandLine;
using PgArk.Cli.Rendering;
using PgArk.Core.Operations;

namespace PgArk.Cli.Commands;

/// <summary><c>pgark expire --server S [--dry-run]</c>: apply retention.</summary>
internal static class ExpireCommand
{
    public static Command Create(CommandFactory factory)
    {
        var server = CommonOptions.Server();
        var repo = CommonOptions.Repository();
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would be removed and change nothing" };
        return factory.Create("expire", "Apply retention: remove expired backups and WAL no kept backup needs", async (context, ct) =>
        {
            var input = new ExpireInput(context.ParseResult.GetValue(server)!, context.ParseResult.GetValue(dryRun), context.ParseResult.GetValue(repo));
            var result = await new ExpireOperation().RunAsync(context.LoadOperationContext(), input, null, ct);
            if (context.Format == OutputFormat.Json)
            {
                await Output.WriteJsonAsync(context.Out, result);
                return 0;
            }
            var verb = result.DryRun ? "would remove" : "removed";
            foreach (var (repository, plan, dumps) in result.Repositories)
            {
                await context.Out.WriteLineAsync($"server {result.Server}, repository {repository}{(result.DryRun ? " (dry run: nothing changed)" : "")}");
                foreach (var backup in plan.Backups)
                {
                    await context.Out.WriteLineAsync($"  {verb} backup {backup.Id} ({backup.Type.ToString().ToLowerInvariant()}, {Output.Bytes(backup.StoredSize)}): {backup.Reason}");
                }
                foreach (var range in plan.WalRanges)
                {
                    await context.Out.WriteLineAsync($"  {verb} WAL timeline {range.Timeline}: {range.First} .. {range.Last} ({range.Segments} segments)");
                }
                foreach (var bound in plan.WalBounds)
                {
                    await context.Out.WriteLineAsync($"  kept WAL timeline {bound.Timeline} from {bound.FirstKept} (backup {bound.Backup}) and every later timeline");
                }
                if (plan.WalKeptByAge > 0)
                {
                    await context.Out.WriteLineAsync($"  kept {plan.WalKeptByAge} older WAL files archived within retention.archiveDays");
                }
                foreach (var dump in dumps ?? [])
                {
                    await context.Out.WriteLineAsync($"  {verb} dump {dump.Id} of database '{dump.Database}': {dump.Reason}");
                }
                await context.Out.WriteLineAsync(
                    $"  {verb} {plan.Backups.Count} backups ({Output.Bytes(plan.BackupBytes)}) and {plan.WalFiles.Count} WAL files ({Output.Bytes(plan.WalBytes)}); kept {plan.KeptBackups.Count} backups");
            }
            return 0;
        }, server, dryRun, repo);
    }
}
