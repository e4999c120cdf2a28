using System.Text.Json;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Logical;

namespace PgArk.Core.Operations;

/// <summary>
/// What export_table takes, from every front end. Where the rows go depends on the caller: through the API (REST, MCP,
/// the assistant over them) <see cref="To"/> is a name inside the configured export folder (exports.path) and is
/// required; on the command line it is any path, and without it the rows stream to standard output
/// (<see cref="OperationContext.StandardOutput"/>). <see cref="Where"/> maps column → value; values are bound as parameters.
/// </summary>
public sealed record ExportInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input(InputText.Database, Aliases = ["-d"])] string Database,
    [property: Input("Table to export (schema.table or table).", Aliases = ["-t"])] string Table,
    [property: Input("json or csv.", Aliases = ["-f"])] DataFormat Format,
    [property: Input("Only rows whose columns equal these values (column: value, bound as parameters; all must match).")]
    IReadOnlyDictionary<string, JsonElement>? Where = null,
    [property: Input("At most this many rows.")] long? Limit = null,
    [property: Input("File to write (atomically). API callers must give it: a name relative to the export folder (exports.path). "
        + "On the command line any path; without it the rows go to standard output.")] string? To = null) : IServerInput, IDatabaseInput
{
    internal List<ColumnFilter> Filters() =>
        (Where ?? new Dictionary<string, JsonElement>()).Select(w => new ColumnFilter(w.Key, w.Value.ValueKind switch
        {
            JsonValueKind.String => w.Value.GetString()!,
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => w.Value.GetRawText(),
            _ => throw new UsageException($"argument 'where': the value of '{w.Key}' must be a string, number or boolean"),
        })).ToList();
}

/// <summary>What export_table returns on every front end.</summary>
/// <param name="File">The file written: relative to the export folder through the API, the full path on the command line;
/// null when the rows went to standard output.</param>
public sealed record ExportTableResult(string Table, long Rows, string? File);

/// <summary>Exports a table's rows as JSON or CSV, streaming.</summary>
public sealed class ExportTableOperation : Operation<ExportInput, ExportTableResult>
{
    public override string Name => "export_table";
    public override string Description => "Export a table's rows as JSON or CSV (optionally filtered by column = value and limited); "
        + "through the API the file goes into the export folder, on the command line to any file or, without --to, to standard output.";
    public override OperationRole Role => OperationRole.Operator;
    public override bool LongRunning => true;
    public override IReadOnlyList<string> CommandAliases => ["export"];

    protected override async Task<ExportTableResult> ExecuteAsync(OperationContext context, ExportInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var remote = context.Caller == OperationCaller.Remote;
        var request = new ExportRequest(input.Database, input.Table, input.Format, input.Filters(), input.Limit);
        if (input.To is null)
        {
            // Only a front end with a standard output of its own (the command line) offers one; the API always names a file.
            var open = context.StandardOutput ?? throw new UsageException("argument 'to' is required: the file to write"
                + (remote ? ", a name relative to the export folder (exports.path)" : ""));
            var streamed = await new TableExporter(context.GetServer(input.Server)).ExportAsync(request, open(), cancellationToken).ConfigureAwait(false);
            return new ExportTableResult(streamed.Table, streamed.Rows, null);
        }
        // Through the API the file is written inside the configured export folder, never elsewhere.
        var path = remote ? ExportFolder.Resolve(context.Options.Exports, input.To, forWrite: true) : Path.GetFullPath(input.To);
        var exporter = new TableExporter(context.GetServer(input.Server));
        var result = await AtomicFile.WriteAsync(path, stream => exporter.ExportAsync(request, stream, cancellationToken), cancellationToken)
            .ConfigureAwait(false);
        return new ExportTableResult(result.Table, result.Rows, remote ? input.To : path);
    }
}
