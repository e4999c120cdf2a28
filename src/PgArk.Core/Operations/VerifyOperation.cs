using PgArk.Core.Common;
using PgArk.Core.Errors;
using PgArk.Core.Verification;

namespace PgArk.Core.Operations;

/// <param name="Repository">Only this repository (default: each repository of the server).</param>
public sealed record VerifyInput(string Server, string? BackupId = null, int Jobs = 0, string? Repository = null);

/// <summary>
/// Checksums and chains of everything in the server's repositories (exit 5 when anything is wrong). With several
/// repositories the report adds them up and each problem names its repository.
/// </summary>
public sealed class VerifyOperation : Operation<VerifyInput, VerifyReport>
{
    public override string Name => "verify";
    public override string Description => "Read back every stored file and WAL segment of a server and check checksums, backup chains and WAL continuity.";
    public override OperationRole Role => OperationRole.Operator;
    public override bool LongRunning => true;

    protected override async Task<VerifyReport> ExecuteAsync(OperationContext context, VerifyInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var repositories = context.RepositoriesFor(server, input.Repository);
        var jobs = input.Jobs > 0 ? input.Jobs : Environment.ProcessorCount;
        if (repositories.Count == 1)
        {
            return await new RepositoryVerifier(repositories[0], server.Name).VerifyAsync(input.BackupId, jobs, progress, cancellationToken).ConfigureAwait(false);
        }

        var reports = new List<VerifyReport>();
        var problems = new List<VerifyProblem>();
        NotFoundException? missing = null;
        foreach (var repository in repositories)
        {
            try
            {
                var report = await new RepositoryVerifier(repository, server.Name).VerifyAsync(input.BackupId, jobs, progress, cancellationToken)
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
            reports.Sum(r => r.WalFilesChecked), problems);
    }
}
