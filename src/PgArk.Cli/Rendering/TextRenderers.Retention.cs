using PgArk.Core.Operations;

namespace PgArk.Cli.Rendering;

internal static partial class TextRenderers
{
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
