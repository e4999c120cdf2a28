using PgArk.Core.Common;
using PgArk.Core.Logical;
using PgArk.Core.Verification;

namespace PgArk.Core.Operations;

/// <param name="BackupId">Only this backup (with what it depends on), or only this dump when it is a dump id.</param>
public sealed record VerifyInput(string Server, string? BackupId = null, int Jobs = 0);

/// <summary>
/// Checksums and chains of everything in the repository for a server, logical dumps included (each file against its
/// manifest, and pg_restore's reading of the archive's table of contents); exit 5 when anything is wrong.
/// </summary>
public sealed class VerifyOperation : Operation<VerifyInput, VerifyReport>
{
    public override string Name => "verify";
    public override string Description =>
        "Read back every stored file, WAL segment and logical dump of a server and check checksums, backup chains, WAL continuity and dump archives.";
    public override OperationRole Role => OperationRole.Operator;
    public override bool LongRunning => true;

    public override async Task<VerifyReport> RunAsync(OperationContext context, VerifyInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var repository = context.PrimaryRepositoryFor(server);
        var catalog = new DumpCatalog(repository);
        var onlyDump = DumpId.TryParse(input.BackupId, out var dumpId);
        var report = onlyDump
            ? new VerifyReport(server.Name, 0, 0, 0, 0, [])
            : await new RepositoryVerifier(repository, server.Name)
                .VerifyAsync(input.BackupId, input.Jobs > 0 ? input.Jobs : Environment.ProcessorCount, progress, cancellationToken).ConfigureAwait(false);
        if (input.BackupId is not null && !onlyDump)
        {
            return report;
        }
        var dumps = onlyDump ? [await catalog.ReadAsync(server.Name, dumpId, cancellationToken).ConfigureAwait(false)]
            : await catalog.ListAsync(server.Name, cancellationToken).ConfigureAwait(false);
        if (dumps.Count == 0)
        {
            return report;
        }
        var verifier = DumpVerifier.ForServer(server);
        var problems = report.Problems.ToList();
        for (var i = 0; i < dumps.Count; i++)
        {
            var dump = dumps[i];
            progress?.Report(new OperationProgress("verify dumps", 0, 0, i, dumps.Count));
            problems.AddRange((await verifier.VerifyAsync(catalog, dump, cancellationToken).ConfigureAwait(false))
                .Select(p => new VerifyProblem($"dump {dump.Id}", p)));
        }
        return report with { Problems = problems, DumpsChecked = dumps.Count };
    }
}
