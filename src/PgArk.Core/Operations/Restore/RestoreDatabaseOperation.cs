using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Restore;

namespace PgArk.Core.Operations;

/// <summary>Arguments of <c>restore_database</c> (snake_case through the API).</summary>
public sealed record RestoreDatabaseInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input("The database to restore.", Aliases = ["-d"])] string Database,
    [property: Input("ISO 8601 time with an offset, e.g. 2026-11-21T10:30:00Z; give this or target.")] string? TargetTime = null,
    [property: Input("\"latest\": the end of the archived WAL.")] string? Target = null,
    [property: Input("Restore into this new database and leave the live one alone.")] string? Into = null,
    [property: Input("Drop the live database after the swap instead of keeping it as <db>_before_restore_<ts>.")] bool Replace = false,
    [property: Input(InputText.DryRun)] bool DryRun = false,
    [property: Input("Must be true to run (it replaces a live database); not needed for a dry run.")] bool Confirm = false,
    [property: Input("Parallel pg_dump/pg_restore jobs moving the database out of the sandbox (0: one per core, at most 8).",
        Aliases = ["-j"])] int Jobs = 0,
    [property: Input("Folder for the temporary sandbox cluster (default: the system temp folder). Command line only: refused for API "
        + "callers, who may not choose where PgArk creates a cluster.", LocalOnly = true)] string? SandboxDir = null)
    : IServerInput, IDatabaseInput, IDryRunInput, IConfirmedInput
{
    internal RestoreTarget ParseTarget() => RestoreTarget.Parse(Target, TargetTime, allowed: RestoreTargetRule.TimeOrLatest);
}

/// <summary>
/// Database-level point-in-time restore (seed 000's "restore customer_db to T"): plans, restores the server's backup into a
/// sandbox recovered to the target, and moves that one database back into the live server. See <see cref="DatabaseRestoreRunner"/>.
/// </summary>
public sealed class RestoreDatabaseOperation : Operation<RestoreDatabaseInput, DatabaseRestoreResult>
{
    public override string Name => "restore_database";
    public override string Description =>
        "Restore one database to a point in time (or latest): the server's backup is recovered in a sandbox and that database is moved " +
        "back; the live one is kept as <db>_before_restore_<ts> unless replace. Other databases are untouched.";
    public override OperationRole Role => OperationRole.Admin;
    public override bool Destructive => true;
    public override bool LongRunning => true;
    public override OperationRoute Route => new("POST", "/api/servers/{server}/databases/{database}/restore",
        "Restore one database to a point in time (admin; \"confirm\": true)");

    public override Runs.RunFacts Facts(RestoreDatabaseInput input, DatabaseRestoreResult? result) =>
        Runs.RunFacts.Of(input) with { BackupId = result?.Plan.Backup.Id };

    protected override async Task<DatabaseRestoreResult> ExecuteAsync(OperationContext context, RestoreDatabaseInput input,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var request = new DatabaseRestoreRequest(input.Database, input.ParseTarget(), input.Into, input.Replace);
        var runner = new DatabaseRestoreRunner(server, context.PrimaryRepositoryFor(server), context.CreateLogger("PgArk.Restore"));
        progress?.Report(new OperationProgress("plan", 0, 0));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var plan = await runner.PlanAsync(request, cancellationToken).ConfigureAwait(false);
        var planPhase = new PhaseTiming("plan", Math.Round(watch.Elapsed.TotalSeconds, 3));
        if (input.DryRun)
        {
            return new DatabaseRestoreResult(plan, true, null, null, null, false, [], [], [planPhase], planPhase.Seconds);
        }
        if (!input.Confirm)
        {
            throw new RefusedException($"restoring database '{input.Database}' of server '{server.Name}' replaces it",
                "add --yes (or \"confirm\": true) to go ahead, or --dry-run to see the plan");
        }
        if (input.Jobs < 0)
        {
            throw new UsageException($"jobs must be 0 (one per core) or more, not {input.Jobs}");
        }
        var result = await runner.RunAsync(plan, context.ArchiveGetCommand(server.Name), input.SandboxDir, input.Jobs, progress,
                cancellationToken)
            .ConfigureAwait(false);
        return result with { Phases = [planPhase, .. result.Phases], TotalSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3) };
    }
}
