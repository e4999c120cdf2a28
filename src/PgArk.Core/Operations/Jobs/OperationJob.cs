using System.Text.Json.Nodes;
using PgArk.Core.Common;
using PgArk.Core.Operations.Registry;

namespace PgArk.Core.Operations.Jobs;

/// <summary>
/// One registry invocation running in the background. Progress reports and state changes can arrive from any thread,
/// so every read goes through <see cref="Snapshot"/>, taken under the same lock as the writes.
/// </summary>
public sealed class OperationJob : IProgress<OperationProgress>
{
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _cancellation;
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private JobState _state = JobState.Queued;
    private DateTimeOffset? _startedAt;
    private DateTimeOffset? _finishedAt;
    private JobProgress? _progress;
    private JsonNode? _result;
    private JobError? _error;

    internal OperationJob(string id, string tool, RegisteredOperation operation, CancellationToken stopping, string? owner = null)
    {
        Id = id;
        Owner = owner;
        Tool = tool;
        Operation = operation;
        CreatedAt = DateTimeOffset.UtcNow;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    }

    public string Id { get; }

    /// <summary>Name of the API key that started the job (null: authentication is off).</summary>
    public string? Owner { get; }
    public string Tool { get; }
    public RegisteredOperation Operation { get; }
    public DateTimeOffset CreatedAt { get; }

    /// <summary>Completes when the job reaches a final state.</summary>
    public Task Finished => _finished.Task;

    internal CancellationToken CancellationToken => _cancellation.Token;

    /// <summary>Listeners that also want every progress report (MCP progress notifications); called on the reporting thread.</summary>
    public event Action<JobProgress>? ProgressReported;

    public bool IsFinal => Snapshot().State is JobState.Succeeded or JobState.Failed or JobState.Cancelled;

    public JobSnapshot Snapshot()
    {
        lock (_lock)
        {
            return new JobSnapshot(Id, Tool, Operation.Name, _state, CreatedAt, _startedAt, _finishedAt, _progress, _result?.DeepClone(), _error,
                _cancellation.IsCancellationRequested);
        }
    }

    /// <summary>Asks the operation to stop; it ends as <see cref="JobState.Cancelled"/> once it has cleaned up. No effect on a finished job.</summary>
    public void Cancel()
    {
        lock (_lock)
        {
            if (_state is JobState.Succeeded or JobState.Failed or JobState.Cancelled)
            {
                return;
            }
        }
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Finished and dropped meanwhile: nothing left to cancel.
        }
    }

    public void Report(OperationProgress value)
    {
        var progress = JobProgress.From(value);
        lock (_lock)
        {
            _progress = progress;
        }
        ProgressReported?.Invoke(progress);
    }

    internal void MarkRunning()
    {
        lock (_lock)
        {
            _state = JobState.Running;
            _startedAt = DateTimeOffset.UtcNow;
        }
    }

    internal void Finish(JobState state, JsonNode? result, JobError? error)
    {
        lock (_lock)
        {
            _state = state;
            _result = result;
            _error = error;
            _finishedAt = DateTimeOffset.UtcNow;
        }
    }

    /// <summary>Completes <see cref="Finished"/>; called after the manager has filed the final state (retention included).</summary>
    internal void SignalFinished() => _finished.TrySetResult();

    /// <summary>Releases the cancellation source (linked to the service's stopping token) once the job is dropped.</summary>
    internal void Release() => _cancellation.Dispose();
}
