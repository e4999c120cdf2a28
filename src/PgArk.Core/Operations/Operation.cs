using PgArk.Core.Common;

namespace PgArk.Core.Operations;

/// <summary>Who may run an operation through the API (DESIGN.md, "Security model").</summary>
public enum OperationRole
{
    Viewer,
    Operator,
    Admin,
}

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
}

/// <summary>A user-facing action, defined once and called by the CLI, REST, MCP and the assistant.</summary>
public abstract class Operation<TInput, TResult> : IOperation
{
    public abstract string Name { get; }
    public abstract string Description { get; }
    public abstract OperationRole Role { get; }
    public virtual bool Destructive => false;
    public virtual bool LongRunning => false;

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
