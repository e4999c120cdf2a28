using System.Globalization;
using PgArk.Core.Configuration;
using PgArk.Core.Logical;
using PgArk.Core.Operations;

namespace PgArk.Cli.Rendering;

internal static partial class TextRenderers
{
    /// <summary><c>pgark dump</c>: one line with the dump's id, sizes, duration, tables and rows.</summary>
    private static Task DumpedAsync(TextWriter output, DumpManifest m)
    {
        var rows = m.Mode == DumpMode.Schema ? "" : string.Create(CultureInfo.InvariantCulture, $", {m.Tables.Sum(t => t.Rows ?? 0)} rows");
        return output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"dump {m.Id} of database '{m.Database}' ({m.Mode.ToString().ToLowerInvariant()}, {m.DumpFormat.ToString().ToLowerInvariant()}) " +
            $"complete: size {Output.Bytes(m.Size)}, stored {Output.Bytes(m.StoredSize)}, {m.DurationSeconds:0.00} s, {m.Tables.Count} tables") +
            rows + (m.AlembicRevision is { } a ? $", alembic {a}" : ""));
    }

    /// <summary>Row counts of a restored dump against the dump's own (dump-restore, verify-dump-restore).</summary>
    internal static async Task RowCountsAsync(TextWriter output, IReadOnlyList<RowCountCheck> counts)
    {
        foreach (var c in counts)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  {c.Table,-40} {(c.Actual < 0 ? "missing" : c.Actual.ToString(CultureInfo.InvariantCulture)),12} rows  (dump: {c.Expected})" +
                $"{(c.Matches ? "" : "  MISMATCH")}"));
        }
    }

    /// <summary><c>pgark verify-dump-restore</c>: where the copy went, row counts, revision, checks and problems.</summary>
    private static async Task VerifiedDumpRestoreAsync(TextWriter output, VerifyDumpRestoreResult r)
    {
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"dump {r.Dump} of '{r.Database}' restored into '{r.TemporaryDatabase}' of a scratch cluster " +
            $"({(r.Kept ? $"kept, stopped, in {r.ScratchCluster}" : "deleted")}) in {r.DurationSeconds:0.00} s"));
        await RowCountsAsync(output, r.RowCounts);
        await output.WriteLineAsync($"  alembic revision: {r.RestoredAlembicRevision ?? "none"} (dump: {r.ExpectedAlembicRevision ?? "none"})");
        foreach (var check in r.Checks)
        {
            await output.WriteLineAsync($"  check {check.Name}: {(check.Passed ? "passed" : "FAILED")} ({check.Detail})");
        }
        foreach (var problem in r.Problems)
        {
            await output.WriteLineAsync($"problem: {problem}");
        }
        await output.WriteLineAsync(r.Problems.Count == 0 ? "ok" : $"{r.Problems.Count} problem(s)");
    }

    /// <summary><c>pgark dump-restore</c>: what went where, row counts, what was not restored, the Alembic revision.</summary>
    private static async Task RestoredDumpAsync(TextWriter output, DumpRestoreResult r)
    {
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"restored dump {r.DumpId} of '{r.SourceDatabase}' into '{r.TargetDatabase}' in {r.DurationSeconds:0.00} s"));
        await RowCountsAsync(output, r.RowCounts);
        foreach (var item in r.Skipped)
        {
            await output.WriteLineAsync($"  not restored: {item}");
        }
        if (r.AlembicRevision is not null || r.ExpectedAlembicRevision is not null)
        {
            await output.WriteLineAsync($"  alembic revision: {r.AlembicRevision ?? "none"} (dump: {r.ExpectedAlembicRevision ?? "none"})" +
                $"{(r.AlembicMatches ? "" : "  MISMATCH")}");
        }
    }
}
