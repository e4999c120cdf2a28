using System.CommandLine;
using PgArk.Cli.Rendering;
using PgArk.Core.Catalog;
using PgArk.Core.Operations;
using PgArk.Core.Physical;

namespace PgArk.Cli.Commands;

/// <summary><c>pgark backup --server S --type full</c>.</summary>
internal static class BackupCommand
{
    public static Command Create(CommandFactory factory)
    {
        var server = CommonOptions.Server();
        var type = new Option<BackupType>("--type", "-t") { Description = "full, diff or incr", DefaultValueFactory = _ => BackupType.Full };
        var label = new Option<string?>("--label") { Description = "Free text stored with the backup" };
        var jobs = CommonOptions.Jobs();
        var repo = CommonOptions.Repository();
        var checksumAll = new Option<bool>("--checksum-all") { Description = "diff/incr: compare every file by content instead of size and modification time" };
        var archiveTimeout = new Option<int>("--archive-timeout") { Description = "Seconds to wait for the backup's last WAL segment", DefaultValueFactory = _ => 60 };
        return factory.Create("backup", "Take a physical backup of a server", async (context, ct) =>
        {
            var operationContext = context.LoadOperationContext();
            var input = new BackupInput(context.ParseResult.GetValue(server)!, context.ParseResult.GetValue(type), context.ParseResult.GetValue(label),
                context.ParseResult.GetValue(jobs), TimeSpan.FromSeconds(context.ParseResult.GetValue(archiveTimeout)),
                context.ParseResult.GetValue(checksumAll), context.ParseResult.GetValue(repo));
            var result = await ProgressRenderer.RunAsync(context, $"backup {input.Server}",
                progress => new BackupOperation().RunAsync(operationContext, input, progress, ct));
            var m = result.Manifest;
            if (context.Format == OutputFormat.Json)
            {
                await Output.WriteJsonAsync(context.Out, new
                {
                    id = m.Id, type = m.Type, parent = m.Parent, fallbackReason = result.FallbackReason, server = m.Server, startLsn = m.StartLsn, stopLsn = m.StopLsn, startWal = m.StartWal, stopWal = m.StopWal,
                    size = m.Size, storedSize = m.StoredSize, durationSeconds = m.DurationSeconds, megabytesPerSecond = Math.Round(result.MegabytesPerSecond, 1),
                    files = m.Files.Count, filesCopied = result.FilesCopied, filesReferenced = result.FilesReferenced, filesAsDelta = result.FilesAsDelta,
                    pageChecksumErrors = m.PageChecksumErrors, removedIncompleteBackups = result.RemovedIncompleteBackups,
                    repository = result.Repository, others = result.Others.Select(o => new { repository = o.Repository, id = o.Manifest.Id }),
                });
                return 0;
            }
            foreach (var one in (IEnumerable<BackupResult>)[result, .. result.Others])
            {
                await WriteSummaryAsync(context, one, result.Others.Count > 0);
            }
            return 0;
        }, server, type, label, jobs, checksumAll, archiveTimeout, repo);
    }

    private static async Task WriteSummaryAsync(CliContext context, BackupResult result, bool nameRepository)
    {
        var m = result.Manifest;
        if (result.FallbackReason is not null)
        {
            await context.Out.WriteLineAsync(result.FallbackReason);
        }
        foreach (var error in m.PageChecksumErrors)
        {
            await context.Error.WriteLineAsync($"warning: invalid page checksum in {error.Path}, block {error.Block} (expected {error.Expected:X4}, found {error.Found:X4})");
        }
        await context.Out.WriteLineAsync(
            $"backup {m.Id} ({m.Type.ToString().ToLowerInvariant()}) of server '{m.Server}'{(nameRepository ? $" in repository '{result.Repository}'" : "")} complete: " +
            $"size {Output.Bytes(m.Size)}, stored {Output.Bytes(m.StoredSize)}, " +
            $"{m.DurationSeconds:0.00} s, {result.MegabytesPerSecond:0.0} MB/s, {m.Files.Count} files, WAL {m.StartWal}..{m.StopWal}" +
            (m.Parent is null ? "" : $"; based on {m.Parent}: {result.FilesCopied} copied, {result.FilesAsDelta} as page deltas, {result.FilesReferenced} unchanged"));
    }
}
