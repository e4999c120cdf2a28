using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Operations.Runs;

namespace PgArk.Core.Operations;

/// <summary>Metadata every front end needs to expose an operation.</summary>
public interface IOperation
{
    /// <summary>Registry name (snake_case), as used by REST, MCP and the assistant.</summary>
    string Name { get; }

    string Description { get; }

    OperationRole Role { get; }

    /// <summary>Destructive operations need an explicit confirmation on every front end.</summary>
    bool Destructive { get; }

    bool LongRunning { get; }

    /// <summary>Whether a run is recorded in the repository history, the catalog table and notifications.</summary>
    bool RecordsRuns { get; }

    /// <summary>The REST resource route, or null when the operation is reachable through <c>/invoke</c> only.</summary>
    OperationRoute? Route { get; }

    /// <summary>Other command-line names of the generated <c>pgark</c> command (besides the kebab-case name).</summary>
    IReadOnlyList<string> CommandAliases { get; }

    /// <summary>The verdict on a result this operation returned (success for results of another type).</summary>
    OperationVerdict VerdictOf(object? result);
}

/// <summary>A user-facing action, defined once and called by the CLI, REST, MCP and the assistant.</summary>
public abstract class Operation<TInput, TResult> : IOperation, Registry.IRegistrable
{
    public abstract string Name { get; }
    public abstract string Description { get; }
    public abstract OperationRole Role { get; }
    public virtual bool Destructive => false;
    public virtual bool LongRunning => false;

    /// <summary>Viewer operations only read and are not recorded; others are unless they say so.</summary>
    public virtual bool RecordsRuns => Role != OperationRole.Viewer;

    public virtual OperationRoute? Route => null;

    public virtual IReadOnlyList<string> CommandAliases => [];

    /// <summary>
    /// Whether the registry holds it (REST, MCP, the assistant and the generated CLI): every operation found in this assembly
    /// is registered unless it says otherwise (archive push/get and quickstart have hand-written CLI commands only).
    /// </summary>
    public virtual bool Registered => true;

    /// <summary>How the registry runs it: by default its input record is its JSON arguments and its result is returned as is.</summary>
    internal virtual Registry.RegisteredOperation Register() =>
        new Registry.RegisteredOperation<TInput, TResult>(this, (c, a, p, ct) => RunAsync(c, a, p, ct));

    Registry.RegisteredOperation? Registry.IRegistrable.Registration => Registered ? Register() : null;

    /// <summary>A dry run promises to change nothing, the repository's history included.</summary>
    public virtual bool IsDryRun(TInput input) => input is IDryRunInput { DryRun: true };

    /// <summary>
    /// What the run's history record says: by default the server and database the input names
    /// (<see cref="IServerInput"/>, <see cref="IDatabaseInput"/>). <paramref name="result"/> is null for a run that failed.
    /// </summary>
    public virtual Runs.RunFacts Facts(TInput input, TResult? result) => Runs.RunFacts.Of(input);

    /// <summary>Whether <paramref name="result"/> is a success; results that report problems override this.</summary>
    public virtual OperationVerdict Verdict(TResult result) => OperationVerdict.Success;

    public OperationVerdict VerdictOf(object? result) => result is TResult typed ? Verdict(typed) : OperationVerdict.Success;

    /// <summary>
    /// Runs the operation. Every front end comes through here, so this is the one place a run is recorded (repository
    /// history, the <c>backup_history</c> table) and announced (webhooks); see <see cref="Runs.OperationRunRecorder"/>.
    /// </summary>
    public Task<TResult> RunAsync(OperationContext context, TInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Runs.RecordAsync(this, input, ct => ExecuteAsync(context, input, progress, ct), cancellationToken);
    }

    /// <summary>The operation itself; called only by <see cref="RunAsync"/>.</summary>
    protected abstract Task<TResult> ExecuteAsync(OperationContext context, TInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken);
}
