using System.CommandLine;
using PgArk.Cli.Rendering;
using PgArk.Core.Operations;
using Spectre.Console;

namespace PgArk.Cli.Commands;

/// <summary><c>pgark info [--server S]</c>: backups, WAL ranges and the recoverable window.</summary>
internal static class InfoCommand
{
    public static Command Create(CommandFactory factory)
    {
        var server = new Option<string?>("--server", "-s") { Description = "Only this server" };
        var repo = CommonOptions.Repository();
        return factory.Create("info", "Backups, archived WAL ranges and the recoverable window", async (context, ct) =>
        {
            var result = await new InfoOperation().RunAsync(context.LoadOperationContext(), new InfoInput(context.ParseResult.GetValue(server), context.ParseResult.GetValue(repo)), null, ct);
            if (context.Format == OutputFormat.Json)
            {
                await Output.WriteJsonAsync(context.Out, result);
                return 0;
            }
            var console = Output.Console(context.Out);
            foreach (var s in result.Servers)
            {
                console.MarkupLine($"[bold]server {Markup.Escape(s.Server)}[/]  repository {Markup.Escape(s.Repository)} ({Markup.Escape(s.Location)})");
                if (s.Problem is not null)
                {
                    console.WriteLine($"  {s.Problem}");
                    continue;
                }
                console.WriteLine($"  system identifier {s.SystemIdentifier}, PostgreSQL {s.PgVersionNum / 10000}");
                if (s.Backups.Count == 0)
                {
                    console.WriteLine("  no backups");
                }
                else
                {
                    var table = new Table().Border(TableBorder.Simple);
                    foreach (var column in new[] { "id", "type", "start", "stop", "start lsn", "stop lsn", "size", "stored", "seconds", "wal" })
                    {
                        table.AddColumn(column);
                    }
                    foreach (var b in s.Backups)
                    {
                        table.AddRow(b.Id, b.Type, Output.Time(b.StartTime), Output.Time(b.StopTime), b.StartLsn, b.StopLsn, Output.Bytes(b.Size),
                            Output.Bytes(b.StoredSize), b.DurationSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture),
                            b.WalComplete ? "ok" : "MISSING");
                    }
                    console.Write(table);
                }
                foreach (var d in s.Dumps ?? [])
                {
                    console.WriteLine($"  dump {d.Id}  database {d.Database}, {d.Mode}, {Output.Time(d.StartTime)}, {Output.Bytes(d.Size)} (stored {Output.Bytes(d.StoredSize)})"
                        + (d.Label is { } l ? $", label '{l}'" : "") + (d.AlembicRevision is { } a ? $", alembic {a}" : ""));
                }
                foreach (var range in s.WalRanges)
                {
                    console.WriteLine($"  WAL timeline {range.Timeline}: {range.First} .. {range.Last} ({range.Segments} segments, last archived {Output.Time(range.LastArchivedAt)})");
                }
                foreach (var gap in s.WalGaps)
                {
                    console.WriteLine($"  WAL gap: {gap} missing");
                }
                if (s.ArchiveBacklog is { } backlog)
                {
                    console.WriteLine($"  archive backlog: {backlog.Describe()}");
                }
                if (s.Stream is { } stream)
                {
                    console.WriteLine($"  stream: {stream.Describe()}");
                }
                console.WriteLine(s.Window is { } w
                    ? $"  recoverable: from {Output.Time(w.FromTime)} (LSN {w.FromLsn}, backup {w.FromBackup}) to about {Output.Time(w.ToTime)} (WAL {w.ToWal})"
                    : "  recoverable: nothing yet (no backup with its WAL)");
                if (s.LastVerifyRestore is { } v)
                {
                    console.WriteLine($"  last verify-restore: {(v.Passed ? "passed" : "FAILED")} at {Output.Time(v.FinishedAt)}, backup {v.BackupId}"
                        + (v.RtoSeconds is { } rto ? $", RTO {rto:0.0} s" : "") + $", {v.Checks.Count(c => c.Passed)}/{v.Checks.Count} checks passed"
                        + (v.Error is { } e ? $" ({e})" : ""));
                }
            }
            return 0;
        }, server, repo);
    }
}
