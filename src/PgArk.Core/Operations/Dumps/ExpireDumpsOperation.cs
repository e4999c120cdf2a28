using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Logical;

using PgArk.Core.Operations.Runs;

namespace PgArk.Core.Operations;

public sealed record ExpireDumpsInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input("Keep this many newest dumps per database (default: retention.logicalKeep).")] int? Keep = null,
    [property: Input("Keep dumps younger than this many days (default: retention.logicalDays).")] int? KeepDays = null,
    [property: Input(InputText.DryRun)] bool DryRun = false) : IServerInput, IDryRunInput, IConfirmationPolicy
{
    /// <summary>
    /// Never: retention always keeps each database's newest dump, and README's <c>pgark expire-dumps --keep N</c> has no
    /// --yes. It stays destructive, so MCP marks it and <c>ask</c> asks.
    /// </summary>
    bool IConfirmationPolicy.NeedsConfirmation => false;
}

public sealed record ExpireDumpsResult(string Server, bool DryRun, IReadOnlyList<DumpExpiry> Expired, int Kept);

/// <summary>Applies dump retention: keep the N newest per database and/or those younger than D days (default: the repository's logicalDays).</summary>
public sealed class ExpireDumpsOperation : Operation<ExpireDumpsInput, ExpireDumpsResult>
{
    public override string Name => "expire_dumps";
    public override string Description => "Remove logical dumps beyond retention (keep N newest per database, keep D days; the newest dump of a database is "
        + "always kept). Retention is routine: no confirmation needed.";
    public override OperationRole Role => OperationRole.Admin;
    public override bool Destructive => true;
    public override OperationRoute Route => new("POST", "/api/servers/{server}/dumps/expire", "Apply retention to logical dumps (admin)");

    protected override async Task<ExpireDumpsResult> ExecuteAsync(OperationContext context, ExpireDumpsInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var retention = context.Options.GetRepository(server.Repositories[0]).Retention;
        var given = input.Keep is not null || input.KeepDays is not null;
        var keep = given ? input.Keep : retention.LogicalKeep;
        var keepDays = given ? input.KeepDays : retention.LogicalDays;
        if (keep is null && keepDays is null)
        {
            throw new UsageException("no dump retention given",
                "pass --keep N and/or --keep-days D, or set retention.logicalKeep / retention.logicalDays for the repository");
        }
        var (plan, kept) = await ApplyAsync(context, server.Name, new DumpCatalog(context.PrimaryRepositoryFor(server)), keep, keepDays, input.DryRun,
            cancellationToken).ConfigureAwait(false);
        return new ExpireDumpsResult(server.Name, input.DryRun, plan, kept);
    }

    /// <summary>Plans dump retention and (unless a dry run) deletes what it expires, under the server's dump lock.</summary>
    internal static async Task<(IReadOnlyList<DumpExpiry> Plan, int Kept)> ApplyAsync(OperationContext context, string server, DumpCatalog catalog, int? keep,
        int? keepDays, bool dryRun, CancellationToken cancellationToken)
    {
        if (dryRun)
        {
            var listed = await catalog.ListAsync(server, cancellationToken).ConfigureAwait(false);
            var planned = DumpRetention.Plan(listed, keep, keepDays, DateTimeOffset.UtcNow);
            return (planned, listed.Count - planned.Count);
        }
        var dumpLock = await DumpLock.AcquireAsync(context.Options.LockPath, server, cancellationToken).ConfigureAwait(false);
        await using var dumpLockScope = dumpLock.ConfigureAwait(false);
        // Planned under the lock: no dump is written or deleted by anyone else until the removal is done.
        var dumps = await catalog.ListAsync(server, cancellationToken).ConfigureAwait(false);
        var plan = DumpRetention.Plan(dumps, keep, keepDays, DateTimeOffset.UtcNow);
        foreach (var expiry in plan)
        {
            await catalog.DeleteAsync(server, DumpId.Parse(expiry.Id), cancellationToken).ConfigureAwait(false);
        }
        return (plan, dumps.Count - plan.Count);
    }
}
