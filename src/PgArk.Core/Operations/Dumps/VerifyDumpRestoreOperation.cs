using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Logical;

using PgArk.Core.Operations.Runs;

namespace PgArk.Core.Operations;

/// <param name="NoCleanup">Leave the scratch cluster (stopped) for debugging (seed 001's verify.sh --no-cleanup); it is deleted by default.</param>
public sealed record VerifyDumpRestoreInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input("Dump to test (default: the newest of the database, or of the server).")] string? Dump = null,
    [property: Input("Test the newest dump of this database.", Aliases = ["-d"])] string? Database = null,
    [property: Input("Parallel pg_restore workers.", Aliases = ["-j"])] int Jobs = 0,
    [property: Input("Keep the scratch cluster (stopped) for inspection.")] bool NoCleanup = false) : IServerInput, IDatabaseInput;

/// <param name="Checks">The server's configured checks for the dumped database (servers[].verify.databases), run on the copy.</param>
public sealed record VerifyDumpRestoreResult(string Server, string Dump, string Database, string TemporaryDatabase, IReadOnlyList<RowCountCheck> RowCounts,
    string? ExpectedAlembicRevision, string? RestoredAlembicRevision, IReadOnlyList<string> Problems, double DurationSeconds)
{
    public IReadOnlyList<Catalog.VerifyCheckResult> Checks { get; init; } = [];

    /// <summary>True when the temporary database was left in place (NoCleanup).</summary>
    public bool Kept { get; init; }

    /// <summary>With NoCleanup: the folder of the stopped scratch cluster that holds the database (its data directory is <c>data</c>).</summary>
    public string? ScratchCluster { get; init; }
}

/// <summary>
/// Test restore of a dump into <c>&lt;db&gt;_verify_&lt;timestamp&gt;</c> of a scratch cluster (initdb on a private socket,
/// never the production server): every table present with the manifest's row count, the same Alembic revision, and the
/// server's configured checks for that database. The scratch cluster is deleted whatever happens (unless NoCleanup asks
/// to keep it, stopped, for debugging).
/// </summary>
public sealed class VerifyDumpRestoreOperation : Operation<VerifyDumpRestoreInput, VerifyDumpRestoreResult>
{
    public override string Name => "verify_dump_restore";
    public override string Description => "Restore a dump into a scratch cluster, check tables, row counts and Alembic revision, then delete it.";
    public override OperationRole Role => OperationRole.Operator;
    public override bool LongRunning => true;
    public override OperationRoute Route => new("POST", "/api/servers/{server}/dumps/{dump}/verify-restore", "Restore a dump into a scratch database and check it");

    public override RunFacts Facts(VerifyDumpRestoreInput input, VerifyDumpRestoreResult? result) =>
        RunFacts.Of(input) with { BackupId = result?.Dump ?? input.Dump, Database = result?.Database ?? input.Database };

    public override OperationVerdict Verdict(VerifyDumpRestoreResult result) => OperationVerdict.FailIf(
        result.Problems.Count == 0 ? null : string.Join("; ", result.Problems.Take(5)));

    protected override async Task<VerifyDumpRestoreResult> ExecuteAsync(OperationContext context, VerifyDumpRestoreInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var catalog = new DumpCatalog(context.PrimaryRepositoryFor(server));
        var manifest = await catalog.FindAsync(server.Name, input.Dump, input.Database, cancellationToken).ConfigureAwait(false);
        var suffix = "_verify_" + DateTimeOffset.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
        var temporary = (manifest.Database.Length + suffix.Length > 63 ? manifest.Database[..(63 - suffix.Length)] : manifest.Database) + suffix;
        var logger = context.CreateLogger("PgArk.VerifyDumpRestore");
        // The dump is repository content, and restoring it runs its SQL as a superuser: never on the production server.
        progress?.Report(new OperationProgress("scratch cluster", 0, 0));
        var scratch = await ScratchCluster.StartAsync(server, manifest.PgVersionNum / 10000, null, logger, cancellationToken).ConfigureAwait(false);
        try
        {
            var client = new PgClient(scratch.Server);
            var restorer = new DumpRestorer(scratch.Server, catalog, logger);
            var restored = await restorer.RunAsync(manifest, new DumpRestoreRequest(temporary, Create: true, Confirmed: true, Jobs: input.Jobs, Scratch: true),
                progress, cancellationToken).ConfigureAwait(false);
            var problems = restored.RowCounts.Where(c => !c.Matches).Select(c => c.Actual < 0
                ? $"table {c.Table} is missing after the restore" : $"table {c.Table} has {c.Actual} rows, the dump recorded {c.Expected}").ToList();
            string? alembic = null;
            if (manifest.Mode != DumpMode.Schema)
            {
                var connection = await client.OpenAsync(temporary, cancellationToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    alembic = await SchemaCatalog.AlembicRevisionAsync(connection, cancellationToken).ConfigureAwait(false);
                }
                if (alembic != manifest.AlembicRevision)
                {
                    problems.Add($"Alembic revision after the restore is {alembic ?? "absent"}, the dump recorded {manifest.AlembicRevision ?? "none"}");
                }
            }
            IReadOnlyList<Catalog.VerifyCheckResult> checks = [];
            if (server.Verify?.Databases.FirstOrDefault(d => d.Name == manifest.Database) is { } configured)
            {
                // The checks name the original database; they run against its restored copy.
                checks = await Verification.SandboxChecks.DatabaseAsync(client.ConnectionString(temporary), configured, cancellationToken).ConfigureAwait(false);
                problems.AddRange(checks.Where(c => !c.Passed).Select(c => $"check '{c.Name}' failed: {c.Detail}"));
            }
            return new VerifyDumpRestoreResult(server.Name, manifest.Id, manifest.Database, temporary, restored.RowCounts, manifest.AlembicRevision, alembic,
                problems, restored.DurationSeconds) { Checks = checks, Kept = input.NoCleanup, ScratchCluster = input.NoCleanup ? scratch.Sandbox.Root : null };
        }
        finally
        {
            await scratch.DisposeAsync(keep: input.NoCleanup).ConfigureAwait(false);
        }
    }
}
