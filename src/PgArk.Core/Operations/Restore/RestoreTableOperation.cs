using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Restore;

namespace PgArk.Core.Operations;

/// <summary>Arguments of <c>restore_table</c> (snake_case through the API).</summary>
public sealed record RestoreTableInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input("The database the tables belong to.", Aliases = ["-d"])] string Database,
    [property: Input("Tables to restore: schema.table, or table (ambiguous names must be qualified).", Aliases = ["--table", "-t"])]
    IReadOnlyList<string> Tables,
    [property: Input("ISO 8601 time with an offset, e.g. 2026-11-21T10:30:00Z; give this or target.")] string? TargetTime = null,
    [property: Input("\"latest\": the end of the archived WAL (the live server's current WAL is archived first).")] string? Target = null,
    [property: Input("Name of the restored table beside the live one (one table; default <table>_restored_<target time>).")]
    string? Into = null,
    [property: Input("Swap the restored tables in for the live ones in one transaction (foreign keys of other tables are kept "
        + "valid or the swap is refused).")] bool Replace = false,
    [property: Input("Only plan: which backup and WAL, the exact recovery target, the tables and their dependent foreign keys; "
        + "change nothing.")] bool DryRun = false,
    [property: Input("Must be true to run; not needed for a dry run.")] bool Confirm = false,
    [property: Input("Folder for the temporary sandbox cluster (default: the system temp folder). Command line only: refused for API "
        + "callers, who may not choose where PgArk creates a cluster.", LocalOnly = true)] string? SandboxDir = null)
    : IServerInput, IDatabaseInput, IDryRunInput, IConfirmedInput;

/// <summary>
/// Table-level point-in-time restore ("bring back the orders table as it was at 10:30"): the server's backup is recovered in
/// a sandbox and the named tables are moved into the live database beside the live ones or in their place. See
/// <see cref="TableRestoreRunner"/>.
/// </summary>
public sealed class RestoreTableOperation : Operation<RestoreTableInput, TableRestoreResult>
{
    public override string Name => "restore_table";
    public override string Description =>
        "Restore tables to a point in time (or latest): the server's backup is recovered in a sandbox and the tables (indexes, constraints, " +
        "sequences, triggers, grants, rows) are created beside the live ones as <table>_restored_<time> (or into), or swapped in with replace.";
    public override OperationRole Role => OperationRole.Admin;
    public override bool Destructive => true;
    public override bool LongRunning => true;
    public override OperationRoute Route => new("POST", "/api/servers/{server}/databases/{database}/tables/restore",
        "Restore tables to a point in time (admin; \"confirm\": true)");

    public override Runs.RunFacts Facts(RestoreTableInput input, TableRestoreResult? result) =>
        Runs.RunFacts.Of(input) with { BackupId = result?.Plan.Recovery.Backup.Id };

    protected override async Task<TableRestoreResult> ExecuteAsync(OperationContext context, RestoreTableInput input,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var target = RestoreTarget.Parse(input.Target, input.TargetTime, allowed: RestoreTargetRule.TimeOrLatest);
        var request = new TableRestoreRequest(input.Database, input.Tables ?? [], target,
            input.Into, input.Replace);
        var runner = new TableRestoreRunner(server, context.PrimaryRepositoryFor(server), context.CreateLogger("PgArk.Restore"));
        progress?.Report(new OperationProgress("plan", 0, 0));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var plan = await runner.PlanAsync(request, cancellationToken).ConfigureAwait(false);
        var planPhase = new PhaseTiming("plan", Math.Round(watch.Elapsed.TotalSeconds, 3));
        if (input.DryRun)
        {
            return new TableRestoreResult(plan, true, null, null, [], [], [planPhase], planPhase.Seconds);
        }
        if (!input.Confirm)
        {
            throw new RefusedException($"restoring {string.Join(", ", input.Tables ?? [])} of database '{input.Database}' changes the live database",
                "add --yes (or \"confirm\": true) to go ahead, or --dry-run to see the plan");
        }
        var result = await runner.RunAsync(plan, context.ArchiveGetCommand(server.Name), input.SandboxDir, progress, cancellationToken)
            .ConfigureAwait(false);
        return result with { Phases = [planPhase, .. result.Phases], TotalSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3) };
    }
}
