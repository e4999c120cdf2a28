using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Logical;
using PgArk.Core.Operations.Registry;

namespace PgArk.Core.Operations;

/// <param name="To">File to write (atomically: a temporary name in the same folder, then rename); null writes to <see cref="Output"/>.</param>
/// <param name="Output">Where rows go when <see cref="To"/> is null (the CLI passes stdout).</param>
public sealed record ExportInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input(InputText.Database)] string Database,
    [property: Input("Table to export (schema.table or table).")] string Table,
    [property: Input("json or csv.")] DataFormat Format,
    [property: Input("Only rows whose columns equal these values.")] IReadOnlyList<ColumnFilter>? Where = null,
    [property: Input("At most this many rows.")] long? Limit = null,
    [property: Input("File to write (default: stdout).")] string? To = null,
    [property: Input("Stream to write to instead of a file.")] Stream? Output = null) : IServerInput, IDatabaseInput;

/// <summary>Exports a table's rows as JSON or CSV, streaming.</summary>
public sealed class ExportTableOperation : Operation<ExportInput, ExportResult>
{
    public override string Name => "export_table";
    public override string Description => "Export a table's rows as JSON or CSV (optionally filtered by column = value and limited); through the API the file goes into the export folder.";
    public override OperationRole Role => OperationRole.Operator;
    public override bool LongRunning => true;

    /// <summary>Through the API the file is written inside the configured export folder (exports.path), never elsewhere.</summary>
    internal override RegisteredOperation Register() => new RegisteredOperation<ExportTableArguments, ExportTableOutcome>(this, async (c, a, p, ct) =>
    {
        var result = await RunAsync(c, a.ToInput(c), p, ct).ConfigureAwait(false);
        return new ExportTableOutcome(result.Table, result.Rows, a.To);
    });

    protected override async Task<ExportResult> ExecuteAsync(OperationContext context, ExportInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var exporter = new TableExporter(context.GetServer(input.Server));
        var request = new ExportRequest(input.Database, input.Table, input.Format, input.Where, input.Limit);
        if (input.To is null)
        {
            return await exporter.ExportAsync(request, input.Output ?? throw new UsageException("give --to FILE"), cancellationToken).ConfigureAwait(false);
        }
        return await AtomicFile.WriteAsync(input.To, stream => exporter.ExportAsync(request, stream, cancellationToken), cancellationToken).ConfigureAwait(false);
    }
}

/// <param name="Confirm">Required with <see cref="ConflictAction.Update"/>, which overwrites existing rows.</param>
/// <param name="HasHeaders">CSV only: false when the file has no header line (fields in the table's column order).</param>
public sealed record ImportInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input(InputText.Database)] string Database,
    [property: Input("Table to import into.")] string Table,
    [property: Input("json or csv.")] DataFormat Format,
    [property: Input("File to read.")] string From,
    [property: Input("What to do with rows whose key exists: error, skip or update.")] ConflictAction OnConflict = ConflictAction.Error,
    [property: Input(InputText.Confirm)] bool Confirm = false,
    [property: Input("CSV only: false when the file has no header line.")] bool HasHeaders = true) : IServerInput, IDatabaseInput, IConfirmedInput;

/// <summary>Imports a JSON or CSV file into a table in one transaction.</summary>
public sealed class ImportTableOperation : Operation<ImportInput, ImportResult>
{
    public override string Name => "import_table";
    public override string Description => "Import a JSON or CSV file into a table in one transaction (on conflict: error, skip or update on the primary key, which overwrites rows); through the API the file is read from the export folder.";
    public override OperationRole Role => OperationRole.Admin;
    public override bool Destructive => true;
    public override bool LongRunning => true;

    /// <summary>Through the API the file is read from inside the configured export folder (exports.path).</summary>
    internal override RegisteredOperation Register() =>
        new RegisteredOperation<ImportTableArguments, ImportResult>(this, (c, a, p, ct) => RunAsync(c, a.ToInput(c), p, ct));

    protected override async Task<ImportResult> ExecuteAsync(OperationContext context, ImportInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        if (input.OnConflict == ConflictAction.Update && !input.Confirm)
        {
            throw new RefusedException($"importing with on-conflict update overwrites existing rows of '{input.Table}' in database '{input.Database}'",
                "add --yes to confirm");
        }
        if (!File.Exists(input.From))
        {
            throw new NotFoundException($"file '{input.From}' does not exist");
        }
        var importer = new TableImporter(context.GetServer(input.Server));
        // A remote caller's path was checked inside the export folder: open it so that a link swapped in since cannot lead out.
        // The CLI's path is the operator's, but it is opened without following a link either: pgark often runs as root,
        // and a link planted where the operator expects a data file (a shared upload folder) must not make it read,
        // and load into a table, a file the operator never meant to (the shell user gives the link's target instead).
        var stream = context.Caller != OperationCaller.Local && context.Options.Exports is { } exports
            ? ExportFolder.OpenRead(exports, input.From)
            : OpenLocalNoFollow(input.From);
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
