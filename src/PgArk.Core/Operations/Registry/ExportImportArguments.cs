using System.Text.Json;
using PgArk.Core.Errors;
using PgArk.Core.Logical;

namespace PgArk.Core.Operations.Registry;

/// <summary>
/// export_table through the API: the file is written inside the configured export folder (<c>exports.path</c>), never
/// elsewhere. <paramref name="Where"/> maps column → value (seed 002's shape); values are bound as parameters.
/// </summary>
/// <param name="To">File name relative to the export folder.</param>
public sealed record ExportTableArguments(string Server, string Database, string Table, DataFormat Format, string To,
    IReadOnlyDictionary<string, JsonElement>? Where = null, long? Limit = null)
{
    internal ExportInput ToInput(OperationContext context) => new(Server, Database, Table, Format, Filters(Where), Limit,
        ExportFolder.Resolve(context.Options.Exports, To, forWrite: true));

    private static List<ColumnFilter> Filters(IReadOnlyDictionary<string, JsonElement>? where) =>
        (where ?? new Dictionary<string, JsonElement>()).Select(w => new ColumnFilter(w.Key, w.Value.ValueKind switch
        {
            JsonValueKind.String => w.Value.GetString()!,
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => w.Value.GetRawText(),
            _ => throw new UsageException($"argument 'where': the value of '{w.Key}' must be a string, number or boolean"),
        })).ToList();
}

/// <param name="From">File name relative to the export folder.</param>
/// <param name="Confirm">Needed for every import through the API (import_table is destructive there).</param>
/// <param name="HasHeaders">CSV only: false when the file has no header line.</param>
public sealed record ImportTableArguments(string Server, string Database, string Table, DataFormat Format, string From,
    ConflictAction OnConflict = ConflictAction.Error, bool Confirm = false, bool HasHeaders = true)
{
    internal ImportInput ToInput(OperationContext context) =>
        new(Server, Database, Table, Format, ExportFolder.Resolve(context.Options.Exports, From, forWrite: false), OnConflict, Confirm, HasHeaders);
}

/// <summary>What export_table returns through the API: the rows written and the file, relative to the export folder.</summary>
public sealed record ExportTableOutcome(string Table, long Rows, string File);
