using System.Text.Json;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Logical;

namespace PgArk.Core.Operations;

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
