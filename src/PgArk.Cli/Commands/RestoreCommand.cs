using System.CommandLine;
using PgArk.Cli.Rendering;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Core.Restore;

namespace PgArk.Cli.Commands;

/// <summary><c>pgark restore --server S --pgdata DIR [target]</c>.</summary>
internal static class RestoreCommand
{
    public static Command Create(CommandFactory factory)
    {
        var server = CommonOptions.Server();
        var repo = CommonOptions.Repository();
        var pgdata = new Option<string>("--pgdata") { Description = "Empty (or new) data directory to restore into", Required = true };
        var backup = new Option<string?>("--backup") { Description = "Backup id (default: the newest backup that ends before the target)" };
        var time = new Option<string?>("--target-time") { Description = "Recover to this time (ISO 8601; UTC when no zone is given)" };
        var lsn = new Option<string?>("--target-lsn") { Description = "Recover to this WAL location" };
        var xid = new Option<string?>("--target-xid") { Description = "Recover to this transaction id" };
        var name = new Option<string?>("--target-name") { Description = "Recover to this restore point (pg_create_restore_point)" };
        var target = new Option<string?>("--target") { Description = "immediate (end of backup) or latest (all archived WAL, the default)" };
        var action = new Option<TargetAction?>("--target-action") { Description = "What the server does at the target: pause (PostgreSQL's default), promote or shutdown" };
        var tablespaceMap = new Option<string[]>("--tablespace-map") { Description = "Relocate a tablespace: OLD=NEW (OLD is its location, name or OID)", AllowMultipleArgumentsPerToken = false };
        var timeline = new Option<string?>("--target-timeline") { Description = "Timeline to follow: latest (default), current (the backup's) or an id" };
        var walDir = new Option<string?>("--waldir") { Description = "Make pg_wal a link to this empty folder (as initdb --waldir); default: a folder in the data directory" };
        var delta = new Option<bool>("--delta") { Description = "Restore over an existing, stopped data directory, rewriting only files that differ" };
        var jobs = CommonOptions.Jobs();
        return factory.Create("restore", "Restore a physical backup, to a point in time", async (context, ct) =>
        {
            var p = context.ParseResult;
            var restoreTarget = RestoreTarget.Parse(p.GetValue(target), p.GetValue(time), p.GetValue(lsn),
                p.GetValue(xid) is { } x ? RestoreTarget.ParseXid(x) : null, p.GetValue(name));
            var map = ParseMap(p.GetValue(tablespaceMap) ?? []);
            var operationContext = context.LoadOperationContext();
            var input = new RestoreInput(p.GetValue(server)!, p.GetValue(pgdata)!, restoreTarget, p.GetValue(backup), p.GetValue(action), map, p.GetValue(jobs), p.GetValue(delta), p.GetValue(repo),
                p.GetValue(timeline) is { } t ? TargetTimeline.Parse(t) : null, p.GetValue(walDir));
            var result = await ProgressRenderer.RunAsync(context, $"restore {input.Server}", progress => new RestoreOperation().RunAsync(operationContext, input, progress, ct));
            if (context.Format == OutputFormat.Json)
            {
                await Output.WriteJsonAsync(context.Out, new
                {
                    backupId = result.BackupId, dataDirectory = result.DataDirectory, target = result.Target.ToString(), files = result.Files, bytes = result.Bytes,
                    delta = result.Delta, filesRewritten = result.FilesRewritten, bytesRewritten = result.BytesRewritten, filesRemoved = result.FilesRemoved,
                    savedWalFolder = result.SavedWalFolder,
                    durationSeconds = result.DurationSeconds, megabytesPerSecond = Math.Round(result.MegabytesPerSecond, 1), recoverySettings = result.RecoverySettings,
                });
                return 0;
            }
            await context.Out.WriteLineAsync(
                $"restored backup {result.BackupId} into {result.DataDirectory}: {Output.Bytes(result.Bytes)}, {result.Files} files, {result.DurationSeconds:0.00} s, {result.MegabytesPerSecond:0.0} MB/s");
            if (result.Delta)
            {
                await context.Out.WriteLineAsync(
                    $"delta: rewrote {result.FilesRewritten} of {result.Files} files ({Output.Bytes(result.BytesRewritten)}), removed {result.FilesRemoved} files and folders the backup does not have");
            }
            if (result.SavedWalFolder is { } saved)
            {
                await context.Out.WriteLineAsync($"WAL files not marked as archived were moved to {saved} (not deleted)");
            }
            await context.Out.WriteLineAsync($"recovery target: {result.Target}; start the server to replay WAL. Settings written to postgresql.auto.conf:");
            foreach (var setting in result.RecoverySettings)
            {
                await context.Out.WriteLineAsync($"  {setting}");
            }
            return 0;
        }, server, pgdata, backup, time, lsn, xid, name, target, action, tablespaceMap, delta, jobs, repo, timeline, walDir);
    }

    private static Dictionary<string, string>? ParseMap(string[] entries)
    {
        if (entries.Length == 0)
        {
            return null;
        }
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == entry.Length - 1)
            {
                throw new UsageException($"--tablespace-map '{entry}' is not OLD=NEW");
            }
            map[entry[..eq]] = entry[(eq + 1)..];
        }
        return map;
    }
}
