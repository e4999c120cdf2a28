using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Logical;

using PgArk.Core.Operations.Runs;

namespace PgArk.Core.Operations;

public sealed record DumpRestoreInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input("The dumped database.", Aliases = ["-d"])] string Database,
    [property: Input("Dump id (default: the newest dump of the database).")] string? Dump = null,
    [property: Input("Restore into this database instead.")] string? Into = null,
    [property: Input("Drop and recreate the target database first.")] bool Create = false,
    [property: Input(InputText.Tables, Aliases = ["--table", "-t"])] IReadOnlyList<string>? Tables = null,
    [property: Input("Parallel pg_restore workers.", Aliases = ["-j"])] int Jobs = 0,
    [property: Input("Must be true with create (it drops the target database) and when restored tables already exist; "
        + "a restore into a database or tables that do not exist needs none.", Aliases = ["--yes", "-y"])] bool Confirm = false)
    : IServerInput, IDatabaseInput, IConfirmedInput, IConfirmationPolicy
{
    /// <summary>
    /// With create, always (the target is dropped first). Otherwise only when tables already exist, which only the restorer
    /// can see: it refuses then without confirm, before it changes anything (README's dump-restore --into has no --yes).
    /// </summary>
    bool IConfirmationPolicy.NeedsConfirmation => Create;
}

/// <summary>Restores a dump (the newest of the database unless one is named) into that database or another.</summary>
public sealed class DumpRestoreOperation : Operation<DumpRestoreInput, DumpRestoreResult>
{
    public override string Name => "dump_restore";
    public override string Description => "Restore a logical dump, whole or chosen tables, into its database or another; compare row counts.";
    public override OperationRole Role => OperationRole.Admin;
    public override bool Destructive => true;
    public override bool LongRunning => true;
    public override OperationRoute Route => new("POST", "/api/servers/{server}/dumps/{dump}/restore", "Restore a logical dump (admin; \"confirm\": true)");

    public override RunFacts Facts(DumpRestoreInput input, DumpRestoreResult? result) => RunFacts.Of(input) with { BackupId = result?.DumpId ?? input.Dump };

    /// <summary>A restore whose row counts or Alembic revision differ from the dump's fails, whichever front end ran it.</summary>
    public override OperationVerdict Verdict(DumpRestoreResult result)
    {
        if (!result.AlembicMatches)
        {
            return OperationVerdict.Fail(ErrorKind.Integrity, $"Alembic revision in '{result.TargetDatabase}' is {result.AlembicRevision ?? "absent"}, " +
                $"the dump recorded {result.ExpectedAlembicRevision ?? "none"}");
        }
        var bad = result.RowCounts.Where(c => !c.Matches).ToList();
        return OperationVerdict.FailIf(bad.Count == 0 ? null
            : $"row counts in '{result.TargetDatabase}' differ from the dump's for {string.Join(", ", bad.Select(b => b.Table))}");
    }

    protected override async Task<DumpRestoreResult> ExecuteAsync(OperationContext context, DumpRestoreInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var (catalog, manifest) = await FindAsync(context.RepositoriesFor(server), server.Name, input, cancellationToken).ConfigureAwait(false);
        var restorer = new DumpRestorer(server, catalog, context.CreateLogger("PgArk.DumpRestore"));
        var result = await restorer.RunAsync(manifest, new DumpRestoreRequest(input.Into ?? input.Database, input.Create, input.Confirm, input.Tables, input.Jobs),
            progress, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>The dump from the first repository (configuration order) that has it; the first repository's error when none has.</summary>
    private static async Task<(DumpCatalog, DumpManifest)> FindAsync(IReadOnlyList<Catalog.Repository> repositories, string server,
        DumpRestoreInput input, CancellationToken cancellationToken)
    {
        PgArkException? first = null;
        foreach (var repository in repositories)
        {
            var catalog = new DumpCatalog(repository);
            try
            {
                return (catalog, await catalog.FindAsync(server, input.Dump, input.Database, cancellationToken).ConfigureAwait(false));
            }
            catch (PgArkException ex) when (repositories.Count > 1 && ex.Kind != ErrorKind.Usage)
            {
                first ??= ex;
            }
        }
        throw first!;
    }
}
