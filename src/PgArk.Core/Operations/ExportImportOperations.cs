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

/// <summary>
/// What import_table takes, from every front end. Through the API <see cref="From"/> is a name inside the export folder
/// and every import needs <c>confirm</c>; on the command line it is any path (a symbolic link is refused) and only an
/// import that overwrites rows (<see cref="ConflictAction.Update"/>) needs <c>--yes</c>.
/// </summary>
/// <param name="HasHeaders">CSV only: false when the file has no header line (fields in the table's column order).</param>
public sealed record ImportInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input(InputText.Database, Aliases = ["-d"])] string Database,
    [property: Input("Table to import into (schema.table or table).", Aliases = ["-t"])] string Table,
    [property: Input("json or csv.", Aliases = ["-f"])] DataFormat Format,
    [property: Input("File to read. API callers give a name relative to the export folder (exports.path); on the command line any path "
        + "(a symbolic link is refused).")] string From,
    [property: Input("What to do with rows whose key exists: error, skip or update (upsert on the primary key, which overwrites rows).")]
    ConflictAction OnConflict = ConflictAction.Error,
    [property: Input("API callers must pass true: an import is destructive (the command line needs --yes only with on_conflict update).")]
    bool Confirm = false,
    [property: Input("CSV only: false when the file has no header line (fields are the table's columns in order).", Aliases = ["--no-header"])]
    bool HasHeaders = true) : IServerInput, IDatabaseInput, IConfirmedInput, ILocallyConfirmedInput
{
    /// <summary>On the command line only an import that overwrites existing rows needs --yes.</summary>
    bool ILocallyConfirmedInput.NeedsLocalConfirmation => OnConflict == ConflictAction.Update;
}

/// <summary>Imports a JSON or CSV file into a table in one transaction.</summary>
public sealed class ImportTableOperation : Operation<ImportInput, ImportResult>
{
    public override string Name => "import_table";
    public override string Description => "Import a JSON or CSV file into a table in one transaction (on conflict: error, skip or update on the primary key, which overwrites rows); through the API the file is read from the export folder.";
    public override OperationRole Role => OperationRole.Admin;
    public override bool Destructive => true;
    public override bool LongRunning => true;
    public override IReadOnlyList<string> CommandAliases => ["import"];

    protected override async Task<ImportResult> ExecuteAsync(OperationContext context, ImportInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        if (input.OnConflict == ConflictAction.Update && !input.Confirm)
        {
            throw new RefusedException($"importing with on-conflict update overwrites existing rows of '{input.Table}' in database '{input.Database}'",
                "add --yes to confirm");
        }
        // Through the API the file is read from inside the configured export folder (exports.path), never elsewhere.
        var remote = context.Caller == OperationCaller.Remote;
        var path = remote ? ExportFolder.Resolve(context.Options.Exports, input.From, forWrite: false) : input.From;
        if (!File.Exists(path))
        {
            throw new NotFoundException($"file '{path}' does not exist");
        }
        var importer = new TableImporter(context.GetServer(input.Server));
        // A remote caller's path was checked inside the export folder: open it so that a link swapped in since cannot lead out.
        // The CLI's path is the operator's, but it is opened without following a link either: pgark often runs as root,
        // and a link planted where the operator expects a data file (a shared upload folder) must not make it read,
        // and load into a table, a file the operator never meant to (the shell user gives the link's target instead).
        var stream = remote ? ExportFolder.OpenRead(context.Options.Exports!, path) : OpenLocalNoFollow(path);
        await using var streamScope = stream.ConfigureAwait(false);
        return await importer.ImportAsync(new ImportRequest(input.Database, input.Table, input.Format, input.OnConflict, input.HasHeaders), stream, cancellationToken)
            .ConfigureAwait(false);
    }

    private static FileStream OpenLocalNoFollow(string path)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
#pragma warning disable CA2000 // owned by the FileStream returned to the caller
            handle = Common.Libc.OpenReadNoFollow(path);
#pragma warning restore CA2000
        }
        catch (IOException ex) when (ex.HResult == Common.Libc.ELOOP)
        {
            throw new RefusedException($"'{path}' is a symbolic link; import does not follow links",
                $"give the file it points to: {path} -> {new FileInfo(path).LinkTarget}");
        }
        return new FileStream(handle, FileAccess.Read, 1 << 16);
    }
}
