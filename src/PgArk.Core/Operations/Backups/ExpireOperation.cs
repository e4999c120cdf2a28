using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Logical;
using PgArk.Core.Retention;

namespace PgArk.Core.Operations;

/// <param name="DryRun">Only plan: print what would be removed and change nothing.</param>
/// <param name="Repository">Only this repository (default: each repository of the server).</param>
public sealed record ExpireInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input(InputText.DryRun)] bool DryRun = false,
    [property: Input(InputText.Repository, Aliases = ["--repo"])] string? Repository = null) : IServerInput, IDryRunInput, IConfirmationPolicy
{
    /// <summary>
    /// Never: expire applies only the retention written in the configuration, which the scheduler applies unattended too
    /// (README's <c>pgark expire --server pg1</c> has no --yes). It stays destructive, so MCP marks it and <c>ask</c> asks.
    /// </summary>
    bool IConfirmationPolicy.NeedsConfirmation => false;
}

/// <summary>What expire removed (or, with <see cref="DryRun"/>, would remove) from one repository.</summary>
/// <param name="Dumps">Logical dumps expired by <c>retention.logicalKeep</c> / <c>logicalDays</c> (empty when neither is set).</param>
public sealed record ExpireRepositoryResult(string Repository, ExpirePlan Plan, IReadOnlyList<DumpExpiry>? Dumps = null);

public sealed record ExpireResult(string Server, bool DryRun, IReadOnlyList<ExpireRepositoryResult> Repositories);

/// <summary>Applies each repository's retention settings to a server's backups and archived WAL.</summary>
public sealed class ExpireOperation : Operation<ExpireInput, ExpireResult>
{
    public override string Name => "expire";
    public override string Description => "Apply retention: remove expired backups, the WAL no kept backup needs, and expired logical dumps (--dry-run to only plan). "
        + "Applying the configured retention is routine: no confirmation needed.";
    public override OperationRole Role => OperationRole.Admin;
    public override bool Destructive => true;
    public override bool LongRunning => true;
    public override OperationRoute Route => new("POST", "/api/servers/{server}/expire", "Apply the configured retention to backups, WAL and dumps (admin)");

    protected override async Task<ExpireResult> ExecuteAsync(OperationContext context, ExpireInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var now = DateTimeOffset.UtcNow;
        var logger = context.CreateLogger("PgArk.Retention");
        var attempts = await RepositoryFanOut.RunEachAsync(context.RepositoriesFor(server, input.Repository), async repository =>
        {
            var options = context.Options.GetRepository(repository.Name);
            var runner = new ExpireRunner(repository, logger);
            var plan = await runner.RunAsync(server.Name, options.Retention, context.Options.LockPath,
                input.DryRun, now, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<DumpExpiry> dumps = [];
            if (options.Retention.LogicalKeep is not null || options.Retention.LogicalDays is not null)
            {
                (dumps, _) = await ExpireDumpsOperation.ApplyAsync(context, server.Name, new DumpCatalog(repository),
                    options.Retention.LogicalKeep, options.Retention.LogicalDays, input.DryRun, cancellationToken).ConfigureAwait(false);
            }
            return new ExpireRepositoryResult(repository.Name, plan, dumps);
        }, logger, cancellationToken).ConfigureAwait(false);
        RepositoryFanOut.ThrowIfAnyFailed(attempts, "expire", r => "expired");
        return new ExpireResult(server.Name, input.DryRun, attempts.Select(a => a.Result!).ToList());
    }
}
