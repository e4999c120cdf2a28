using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Logical;
using PgArk.Core.Verification;

using PgArk.Core.Operations.Runs;

namespace PgArk.Core.Operations;

/// <param name="BackupId">Only this backup (with what it depends on), or only this dump when it is a dump id.</param>
/// <param name="Repository">Only this repository (default: each repository of the server).</param>
public sealed record VerifyInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input("Only this backup (with what it depends on), or only this dump when it is a dump id.", Aliases = ["--backup"])] string? BackupId = null,
    [property: Input(InputText.Jobs, Aliases = ["-j"])] int Jobs = 0,
    [property: Input(InputText.Repository, Aliases = ["--repo"])] string? Repository = null) : IServerInput;

/// <summary>
/// Checksums and chains of everything in the server's repositories, logical dumps included (each file against its
/// manifest, and pg_restore's reading of the archive's table of contents); exit 5 when anything is wrong. With several
/// repositories the report adds them up and each problem names its repository.
/// </summary>
public sealed class VerifyOperation : Operation<VerifyInput, VerifyReport>
{
    public override string Name => "verify";
    public override string Description =>
        "Read back every stored file, WAL segment and logical dump of a server and check checksums, backup chains, WAL continuity and dump archives.";
    public override OperationRole Role => OperationRole.Operator;
    public override bool LongRunning => true;
    public override OperationRoute Route => new("POST", "/api/servers/{server}/verify", "Verify checksums and chains of the repository's backups");

    public override RunFacts Facts(VerifyInput input, VerifyReport? result) => RunFacts.Of(input) with { BackupId = input.BackupId };

    public override OperationVerdict Verdict(VerifyReport result) => OperationVerdict.FailIf(result.Ok ? null
        : $"{result.Problems.Count} problems: " + string.Join("; ", result.Problems.Take(5).Select(p => $"{p.Subject}: {p.Problem}")));

    protected override async Task<VerifyReport> ExecuteAsync(OperationContext context, VerifyInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var repositories = context.RepositoriesFor(server, input.Repository);
        var jobs = input.Jobs > 0 ? input.Jobs : Environment.ProcessorCount;
        if (repositories.Count == 1)
        {
            return await VerifyRepositoryAsync(server, repositories[0], input.BackupId, jobs, progress, cancellationToken).ConfigureAwait(false);
        }

        var reports = new List<VerifyReport>();
        var problems = new List<VerifyProblem>();
        NotFoundException? missing = null;
        foreach (var repository in repositories)
        {
            try
            {
                var report = await VerifyRepositoryAsync(server, repository, input.BackupId, jobs, progress, cancellationToken)
                    .ConfigureAwait(false);
                reports.Add(report);
                problems.AddRange(report.Problems.Select(p => p with { Subject = $"repository '{repository.Name}': {p.Subject}" }));
            }
            catch (NotFoundException ex) when (input.BackupId is not null)
            {
                // A named backup lives in the repository it was taken into; the others are not at fault.
                missing ??= ex;
            }
            catch (PgArkException ex) when (ex.Kind != ErrorKind.Usage)
            {
                problems.Add(new VerifyProblem($"repository '{repository.Name}'", ex.Message));
            }
        }
        if (reports.Count == 0 && problems.Count == 0 && missing is not null)
        {
            throw missing;
        }
        return new VerifyReport(server.Name, reports.Sum(r => r.BackupsChecked), reports.Sum(r => r.ObjectsChecked), reports.Sum(r => r.BytesChecked),
            reports.Sum(r => r.WalFilesChecked), problems, reports.Sum(r => r.DumpsChecked));
    }

    private static async Task<VerifyReport> VerifyRepositoryAsync(Configuration.ServerOptions server, Catalog.Repository repository, string? backupId,
        int jobs, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var catalog = new DumpCatalog(repository);
        var onlyDump = DumpId.TryParse(backupId, out var dumpId);
        var report = onlyDump
            ? new VerifyReport(server.Name, 0, 0, 0, 0, [])
            : await new RepositoryVerifier(repository, server.Name).VerifyAsync(backupId, jobs, progress, cancellationToken).ConfigureAwait(false);
        if (backupId is not null && !onlyDump)
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
