using System.Globalization;
using PgArk.Core.Operations;
using Spectre.Console;

namespace PgArk.Cli.Rendering;

internal static partial class TextRenderers
{
    /// <summary><c>pgark info</c>: per server and repository, the backups table, dumps, WAL ranges and gaps, and the recoverable window.</summary>
    private static Task InfoAsync(TextWriter output, InfoResult result)
    {
        var console = Output.Console(output);
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
                        Output.Bytes(b.StoredSize), b.DurationSeconds.ToString("0.0", CultureInfo.InvariantCulture),
                        b.WalComplete ? "ok" : "MISSING");
                }
                console.Write(table);
            }
            foreach (var d in s.Dumps ?? [])
            {
                console.WriteLine($"  dump {d.Id}  database {d.Database}, {d.Mode}, {Output.Time(d.StartTime)}, {Output.Bytes(d.Size)} " +
                    $"(stored {Output.Bytes(d.StoredSize)})" + (d.Label is { } l ? $", label '{l}'" : "") +
                    (d.AlembicRevision is { } a ? $", alembic {a}" : ""));
            }
            foreach (var range in s.WalRanges)
            {
                console.WriteLine($"  WAL timeline {range.Timeline}: {range.First} .. {range.Last} ({range.Segments} segments, " +
                    $"last archived {Output.Time(range.LastArchivedAt)})");
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
            if (s.Windows.Count == 0)
            {
                console.WriteLine("  recoverable: nothing yet (no backup with its WAL)");
            }
            // A WAL gap splits the window: each span is listed, oldest first.
            foreach (var w in s.Windows)
            {
                console.WriteLine($"  recoverable: from {Output.Time(w.FromTime)} (LSN {w.FromLsn}, backup {w.FromBackup}) to about {Output.Time(w.ToTime)} (WAL {w.ToWal})");
            }
            if (s.LastVerifyRestore is { } v)
            {
                console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  last verify-restore: {(v.Passed ? "passed" : "FAILED")} at {Output.Time(v.FinishedAt)}, backup {v.BackupId}")
                    + (v.RtoSeconds is { } rto ? string.Create(CultureInfo.InvariantCulture, $", RTO {rto:0.0} s") : "")
                    + $", {v.Checks.Count(c => c.Passed)}/{v.Checks.Count} checks passed" + (v.Error is { } e ? $" ({e})" : ""));
            }
        }
        foreach (var store in result.Stores ?? [])
        {
            console.MarkupLine($"[bold]{Markup.Escape(store.Kind)} store {Markup.Escape(store.Store)}[/]  repository {Markup.Escape(store.Repository)}");
            if (store.Backups.Count == 0)
            {
                console.WriteLine("  no backups");
            }
            foreach (var b in store.Backups)
            {
                console.WriteLine($"  backup {b.Id}  {Output.Time(b.StartTime)}, {b.Items.Count} item(s), {Output.Bytes(b.Size)} (stored {Output.Bytes(b.StoredSize)})"
                    + (b.Label is { } l ? $", label '{l}'" : ""));
            }
            foreach (var id in store.Incomplete)
            {
                console.WriteLine($"  {id}  incomplete (no manifest)");
            }
        }
        return Task.CompletedTask;
    }
}
