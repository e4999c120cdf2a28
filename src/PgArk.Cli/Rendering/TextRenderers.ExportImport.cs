using PgArk.Core.Logical;
using PgArk.Core.Operations;

namespace PgArk.Cli.Rendering;

internal static partial class TextRenderers
{
    /// <summary>export: on stderr when the rows went to stdout (the generated command renders there then).</summary>
    private static Task ExportedAsync(TextWriter output, ExportTableResult r) =>
        output.WriteLineAsync($"exported {r.Rows} rows of {r.Table}{(r.File is { } file ? $" to {file}" : "")}");

    private static async Task ImportedAsync(TextWriter output, ImportResult r)
    {
        await output.WriteLineAsync($"imported into {r.Table}: {r.Rows} rows read, {r.Inserted} inserted, {r.Updated} updated, {r.Skipped} skipped, " +
            $"{r.Failures.Count} failed");
        foreach (var failure in r.Failures)
        {
            await output.WriteLineAsync($"  row {failure.Row}: {failure.Message}");
        }
    }
}
