using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations.Registry;

namespace PgArk.Core.Operations.Jobs;

/// <summary>
/// Runs registry operations in the background as <see cref="OperationJob"/>s: progress, cancellation, and the finished
/// jobs kept for a while (the newest <see cref="RetainFinished"/>) so a client can still read their result.
/// Jobs live in memory: a restart of the service forgets them (the operations' own records stay in the repository).
/// Long-running work is capped (<see cref="ApiLimits.RunningJobs"/> in all, <see cref="ApiLimits.RunningJobsPerKey"/> per
/// key): jobs hold a slot until they end, and synchronous calls of long-running tools take one too (<see cref="Reserve"/>),
/// so the cap cannot be sidestepped by not asking for a job.
/// </summary>
public sealed class JobManager(OperationContext context, ILogger logger, CancellationToken stopping, int retainFinished = 100,
    ApiLimits? limits = null)
{
    private readonly ConcurrentDictionary<string, OperationJob> _jobs = new(StringComparer.Ordinal);
    private readonly Lock _slotsLock = new();
    private readonly Dictionary<string, int> _runningByKey = new(StringComparer.Ordinal);
    private int _running;

    public int RetainFinished { get; } = retainFinished > 0 ? retainFinished : throw new ArgumentOutOfRangeException(nameof(retainFinished));

    public ApiLimits Limits { get; } = limits ?? context.Options.Api?.Limits ?? ApiLimits.Default;

    /// <summary>Starts <paramref name="operation"/> with arguments already prepared by <see cref="OperationRegistry.PrepareAsync"/>.</summary>
    /// <param name="owner">The caller's key (null: authentication is off); it counts against that key's cap and decides who sees the job.</param>
    /// <exception cref="CapacityExceededException">The service or the key already runs as many long operations as allowed.</exception>
    public OperationJob Start(string tool, RegisteredOperation operation, object arguments, ApiKeyOptions? owner = null)
    {
#pragma warning disable CA2000 // ownership passes to RunAsync, which disposes the slot when the job ends
        var slot = Reserve(owner?.Name);
#pragma warning restore CA2000
        var job = new OperationJob(NewId(), tool, operation, stopping, owner?.Name);
        _jobs[job.Id] = job;
        _ = Task.Run(() => RunAsync(job, arguments, slot), CancellationToken.None);
        return job;
    }

    /// <summary>
    /// Takes a running slot for <paramref name="key"/> (null: the one count all unauthenticated callers share), given back
    /// when the result is disposed.
    /// </summary>
    /// <exception cref="CapacityExceededException">No slot is free.</exception>
    public IDisposable Reserve(string? key)
    {
        var owner = key ?? "";
        lock (_slotsLock)
        {
            var mine = _runningByKey.GetValueOrDefault(owner);
            if (mine >= Limits.RunningJobsPerKey)
            {
                throw new CapacityExceededException(
                    $"too many long-running operations for {(key is null ? "unauthenticated callers" : $"key '{key}'")}: {mine} are running, the limit is {Limits.RunningJobsPerKey} (api.limits.runningJobsPerKey)",
                    "try again when one has finished (GET /api/jobs lists them)");
            }
            if (_running >= Limits.RunningJobs)
            {
                throw new CapacityExceededException(
                    $"too many long-running operations on this service: {_running} are running, the limit is {Limits.RunningJobs} (api.limits.runningJobs)",
                    "try again when one has finished (GET /api/jobs lists them)");
            }
            _running++;
            _runningByKey[owner] = mine + 1;
        }
        return new Slot(this, owner);
    }

    private void Free(string owner)
    {
        lock (_slotsLock)
        {
            _running--;
            if (--_runningByKey[owner] == 0)
            {
                _runningByKey.Remove(owner);
            }
        }
    }

    /// <exception cref="NotFoundException">No such job (or it was dropped from the retained ones).</exception>
    public OperationJob Get(string id) => Get(id, null);

    /// <summary>
    /// The job, if <paramref name="visibleTo"/> (null: no limit) may see it: a job of an operation above the caller's role
    /// is reported as not found, so a viewer learns nothing about an admin's restore, not even that it exists.
    /// </summary>
    /// <exception cref="NotFoundException">No such job, or one the role may not see.</exception>
    public OperationJob Get(string id, OperationRole? visibleTo) => _jobs.TryGetValue(id, out var job) && Visible(job, visibleTo)
        ? job
        : throw new NotFoundException($"job '{id}' not found", "finished jobs are kept only for a while; see GET /api/jobs");

    /// <summary>Every known job, newest first.</summary>
    public IReadOnlyList<OperationJob> List() => List(null);

    /// <summary>The jobs <paramref name="visibleTo"/> (null: no limit) may see, newest first.</summary>
    public IReadOnlyList<OperationJob> List(OperationRole? visibleTo) => _jobs.Values.Where(j => Visible(j, visibleTo))
        .OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id, StringComparer.Ordinal).ToList();

    private static bool Visible(OperationJob job, OperationRole? role) => role is null || job.Operation.Role <= role;

    private async Task RunAsync(OperationJob job, object arguments, IDisposable slot)
    {
        job.MarkRunning();
        var (state, result, error) = await RunToEndAsync(job, arguments).ConfigureAwait(false);
        // The slot is free before anyone can see the job final, so a client that waits for the end can start the next.
        slot.Dispose();
        job.Finish(state, result, error);
        Trim();
        job.SignalFinished();
    }

    private async Task<(JobState, System.Text.Json.Nodes.JsonNode?, JobError?)> RunToEndAsync(OperationJob job, object arguments)
    {
        try
        {
            var result = await OperationRegistry.RunPreparedAsync(context, job.Operation, arguments, job, job.CancellationToken).ConfigureAwait(false);
            return (JobState.Succeeded, result, null);
        }
        catch (OperationCanceledException) when (job.CancellationToken.IsCancellationRequested)
        {
            return (JobState.Cancelled, null, new JobError(ErrorKind.Refused,
                stopping.IsCancellationRequested ? "cancelled: the service is shutting down" : "cancelled on request"));
        }
        catch (PgArkException ex)
        {
            return (JobState.Failed, null, new JobError(ex.Kind, ex.Message, ex.Hint));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (JobState.Failed, null, new JobError(ErrorKind.Failed, ex.Message));
        }
#pragma warning disable CA1031 // A job's failure is its result; nothing above this frame could handle it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.JobFailed(logger, ex, job.Id, job.Operation.Name);
            return (JobState.Failed, null, new JobError(ErrorKind.Failed, "internal error (see the server log)"));
        }
    }

    private void Trim()
    {
        var finished = _jobs.Values.Where(j => j.IsFinal).OrderByDescending(j => j.CreatedAt).Skip(RetainFinished).ToList();
        foreach (var job in finished)
        {
            if (_jobs.TryRemove(job.Id, out _))
            {
                job.Release();
            }
        }
    }

    private sealed class Slot(JobManager manager, string owner) : IDisposable
    {
        private int _freed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _freed, 1) == 0)
            {
                manager.Free(owner);
            }
        }
    }

    // Unguessable, so knowing one job's id says nothing about another's.
    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
