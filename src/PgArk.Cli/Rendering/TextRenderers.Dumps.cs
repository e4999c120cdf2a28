using System.Globalization;
using PgArk.Core.Logical;

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
}
