using System.Globalization;
using PgArk.Core.Catalog;
using PgArk.Core.Physical;

namespace PgArk.Cli.Rendering;

internal static partial class TextRenderers
{
    /// <summary>
    /// <c>pgark backup</c>: one summary line per repository the backup went to (naming the repository when there are
    /// several); invalid page checksums are warnings on stderr, since the backup itself succeeded.
    /// </summary>
    private static async Task BackedUpAsync(CliContext context, BackupResult result)
    {
        foreach (var one in (IEnumerable<BackupResult>)[result, .. result.Others])
        {
            if (one.FallbackReason is not null)
            {
                await context.Out.WriteLineAsync(one.FallbackReason);
            }
            foreach (var error in one.PageChecksumErrors)
            {
                await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"warning: invalid page checksum in {error.Path}, block {error.Block} (expected {error.Expected:X4}, found {error.Found:X4})"));
            }
            var based = one.Parent is null ? ""
                : $"; based on {one.Parent}: {one.FilesCopied} copied, {one.FilesAsDelta} as page deltas, {one.FilesReferenced} unchanged";
            var where = result.Others.Count > 0 ? $" in repository '{one.Repository}'" : "";
            var sizes = string.Create(CultureInfo.InvariantCulture,
                $"size {Output.Bytes(one.Size)}, stored {Output.Bytes(one.StoredSize)}, {one.DurationSeconds:0.00} s, {one.MegabytesPerSecond:0.0} MB/s");
            await context.Out.WriteLineAsync(
                $"backup {one.BackupId} ({one.Type.ToString().ToLowerInvariant()}) of server '{one.Server}'{where} complete: " +
                $"{sizes}, {one.Files} files, WAL {one.StartWal}..{one.StopWal}{based}");
        }
    }

    /// <summary>
    /// <c>pgark verify-restore</c>: the checks and the timings (RTO). A failed run never gets here: the operation throws,
    /// and the error names every failed check.
    /// </summary>
    private static async Task VerifiedRestoreAsync(TextWriter output, VerifyRestoreRecord record)
    {
        await output.WriteLineAsync($"verify-restore of backup {record.BackupId} of server {record.Server}: {(record.Passed ? "passed" : "FAILED")}");
        foreach (var check in record.Checks)
        {
            await output.WriteLineAsync($"  {(check.Passed ? "ok" : "FAIL")}  {check.Name}: {check.Detail}");
        }
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"  restore {record.RestoreSeconds:0.00} s, start and recovery {record.RecoverySeconds:0.00} s (RTO {record.RtoSeconds:0.00} s), " +
            $"checks {record.ChecksSeconds:0.00} s, total {record.TotalSeconds:0.00} s"));
    }
}
