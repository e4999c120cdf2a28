using System.Text.Json;
using PgArk.Core.Errors;
using PgArk.Core.Logical;

namespace PgArk.Core.Operations.Registry;

/// <summary>
/// export_table through the API: the file is written inside the configured export folder (<c>exports.path</c>), never
/// elsewhere. <paramref name="Where"/> maps column → value (seed 002's shape); values are bound as parameters.
/// </summary>
/// <param name="To">File name relative to the export folder.</param>
public sealed record ExportTableArguments(
    [property: Input(InputText.Server)] string Server,
    [property: Input(InputText.Database)] string Database,
    [property: Input("Table to export (schema.table or table).")] string Table,
    [property: Input("json or csv.")] DataFormat Format,
    [property: Input("File name relative to the export folder (exports.path).")] string To,
    [property: Input("Only rows whose columns equal these values (column: value).")] IReadOnlyDictionary<string, JsonElement>? Where = null,
    [property: Input("At most this many rows.")] long? Limit = null) : IServerInput, IDatabaseInput
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
public sealed record ImportTableArguments(
    [property: Input(InputText.Server)] string Server,
    [property: Input(InputText.Database)] string Database,
    [property: Input("Table to import into.")] string Table,
    [property: Input("json or csv.")] DataFormat Format,
    [property: Input("File name relative to the export folder (exports.path).")] string From,
    [property: Input("What to do with rows whose key exists: error, skip or update.")] ConflictAction OnConflict = ConflictAction.Error,
    [property: Input("Needed for every import through the API (import_table is destructive there).")] bool Confirm = false,
    [property: Input("CSV only: false when the file has no header line.")] bool HasHeaders = true) : IServerInput, IDatabaseInput, IConfirmedInput
{
    internal ImportInput ToInput(OperationContext context) =>
        new(Server, Database, Table, Format, ExportFolder.Resolve(context.Options.Exports, From, forWrite: false), OnConflict, Confirm, HasHeaders);
}

/// <summary>What export_table returns through the API: the rows written and the file, relative to the export folder.</summary>
public sealed record ExportTableOutcome(string Table, long Rows, string File);
