using PgArk.Core.Operations;

namespace PgArk.Cli.Rendering;

internal static partial class TextRenderers
{
    /// <summary><c>pgark expire</c>: per repository, what was (or in a dry run would be) removed and what was kept.</summary>
    private static async Task ExpiredAsync(TextWriter output, ExpireResult result)
    {
        var verb = result.DryRun ? "would remove" : "removed";
        foreach (var (repository, plan, dumps) in result.Repositories)
        {
            await output.WriteLineAsync($"server {result.Server}, repository {repository}{(result.DryRun ? " (dry run: nothing changed)" : "")}");
            foreach (var backup in plan.Backups)
            {
                await output.WriteLineAsync(
                    $"  {verb} backup {backup.Id} ({backup.Type.ToString().ToLowerInvariant()}, {Output.Bytes(backup.StoredSize)}): {backup.Reason}");
            }
            foreach (var range in plan.WalRanges)
            {
                await output.WriteLineAsync($"  {verb} WAL timeline {range.Timeline}: {range.First} .. {range.Last} ({range.Segments} segments)");
            }
            foreach (var bound in plan.WalBounds)
            {
                await output.WriteLineAsync($"  kept WAL timeline {bound.Timeline} from {bound.FirstKept} (backup {bound.Backup}) and every later timeline");
            }
            if (plan.WalKeptByAge > 0)
            {
                await output.WriteLineAsync($"  kept {plan.WalKeptByAge} older WAL files archived within retention.archiveDays");
            }
            foreach (var dump in dumps ?? [])
            {
                await output.WriteLineAsync($"  {verb} dump {dump.Id} of database '{dump.Database}': {dump.Reason}");
            }
            await output.WriteLineAsync($"  {verb} {plan.Backups.Count} backups ({Output.Bytes(plan.BackupBytes)}) and {plan.WalFiles.Count} WAL files " +
                $"({Output.Bytes(plan.WalBytes)}); kept {plan.KeptBackups.Count} backups");
        }
    }

    /// <summary><c>pgark expire-dumps</c>: each dump removed (or to remove) with its reason, then the counts.</summary>
    private static async Task ExpiredDumpsAsync(TextWriter output, ExpireDumpsResult result)
    {
        foreach (var e in result.Expired)
        {
            await output.WriteLineAsync($"{(result.DryRun ? "would remove" : "removed")} {e.Id} ({e.Database}): {e.Reason}");
        }
        await output.WriteLineAsync($"{result.Expired.Count} dump(s) {(result.DryRun ? "to remove" : "removed")}, {result.Kept} kept");
    }
}
