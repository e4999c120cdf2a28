using PgArk.Core.Common;
using PgArk.Core.Retention;

namespace PgArk.Core.Operations;

/// <param name="DryRun">Only plan: print what would be removed and change nothing.</param>
/// <param name="Repository">Only this repository (default: each repository of the server).</param>
public sealed record ExpireInput(string Server, bool DryRun = false, string? Repository = null);

/// <summary>What expire removed (or, with <see cref="DryRun"/>, would remove) from one repository.</summary>
public sealed record ExpireRepositoryResult(string Repository, ExpirePlan Plan);

public sealed record ExpireResult(string Server, bool DryRun, IReadOnlyList<ExpireRepositoryResult> Repositories);

/// <summary>Applies each repository's retention settings to a server's backups and archived WAL.</summary>
public sealed class ExpireOperation : Operation<ExpireInput, ExpireResult>
{
    public override string Name => "expire";
    public override string Description => "Apply retention: remove expired backups and the WAL no kept backup needs (--dry-run to only plan).";
    public override OperationRole Role => OperationRole.Admin;
    public override bool Destructive => true;
    public override bool LongRunning => true;

    protected override async Task<ExpireResult> ExecuteAsync(OperationContext context, ExpireInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var now = DateTimeOffset.UtcNow;
        var logger = context.CreateLogger("PgArk.Retention");
        var attempts = await RepositoryFanOut.RunEachAsync(context.RepositoriesFor(server, input.Repository), async repository =>
        {
            var runner = new ExpireRunner(repository, logger);
            var plan = await runner.RunAsync(server.Name, context.Options.GetRepository(repository.Name).Retention, context.Options.LockPath,
                input.DryRun, now, cancellationToken).ConfigureAwait(false);
            return new ExpireRepositoryResult(repository.Name, plan);
        }, logger, cancellationToken).ConfigureAwait(false);
        RepositoryFanOut.ThrowIfAnyFailed(attempts, "expire", r => "expired");
        return new ExpireResult(server.Name, input.DryRun, attempts.Select(a => a.Result!).ToList());
    }
}
