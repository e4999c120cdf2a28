using System.Globalization;
using PgArk.Core.Restore;

namespace PgArk.Cli.Rendering;

internal static partial class TextRenderers
{
    /// <summary><c>pgark restore</c>: what was restored where, what a delta rewrote, and the recovery settings written.</summary>
    private static async Task RestoredAsync(TextWriter output, RestoreResult r)
    {
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"restored backup {r.BackupId} into {r.DataDirectory}: {Output.Bytes(r.Bytes)}, {r.Files} files, {r.DurationSeconds:0.00} s, {r.MegabytesPerSecond:0.0} MB/s"));
        if (r.Delta)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"delta: rewrote {r.FilesRewritten} of {r.Files} files ({Output.Bytes(r.BytesRewritten)}), removed {r.FilesRemoved} files and folders the backup does not have"));
        }
        if (r.SavedWalFolder is { } saved)
        {
            await output.WriteLineAsync($"WAL files not marked as archived were moved to {saved} (not deleted)");
        }
        await output.WriteLineAsync($"recovery target: {r.Target}; start the server to replay WAL. Settings written to postgresql.auto.conf:");
        foreach (var setting in r.RecoverySettings)
        {
            await output.WriteLineAsync($"  {setting}");
        }
    }
}
