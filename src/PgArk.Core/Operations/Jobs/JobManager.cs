using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using PgArk.Core.Errors;
using PgArk.Core.Operations.Registry;

namespace PgArk.Core.Operations.Jobs;

/// <summary>
/// Runs registry operations in the background as <see cref="OperationJob"/>s: progress, cancellation, and the finished
/// jobs kept for a while (the newest <see cref="RetainFinished"/>) so a client can still read their result.
/// Jobs live in memory: a restart of the service forgets them (the operations' own records stay in the repository).
/// </summary>
public sealed class JobManager(OperationContext context, ILogger logger, CancellationToken stopping, int retainFinished = 100)
{
    private readonly ConcurrentDictionary<string, OperationJob> _jobs = new(StringComparer.Ordinal);

    public int RetainFinished { get; } = retainFinished > 0 ? retainFinished : throw new ArgumentOutOfRangeException(nameof(retainFinished));

    /// <summary>Starts <paramref name="operation"/> with arguments already prepared by <see cref="OperationRegistry.PrepareAsync"/>.</summary>
    public OperationJob Start(string tool, RegisteredOperation operation, object arguments)
    {
        var job = new OperationJob(NewId(), tool, operation, stopping);
        _jobs[job.Id] = job;
        _ = Task.Run(() => RunAsync(job, arguments), CancellationToken.None);
        return job;
    }

    /// <exception cref="NotFoundException">No such job (or it was dropped from the retained ones).</exception>
    public OperationJob Get(string id) => _jobs.TryGetValue(id, out var job)
        ? job
        : throw new NotFoundException($"job '{id}' not found", "finished jobs are kept only for a while; see GET /api/jobs");

    /// <summary>Every known job, newest first.</summary>
    public IReadOnlyList<OperationJob> List() => _jobs.Values.OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id, StringComparer.Ordinal).ToList();

    private async Task RunAsync(OperationJob job, object arguments)
    {
        job.MarkRunning();
        try
        {
            var result = await OperationRegistry.RunPreparedAsync(context, job.Operation, arguments, job, job.CancellationToken).ConfigureAwait(false);
            job.Finish(JobState.Succeeded, result, null);
        }
        catch (OperationCanceledException) when (job.CancellationToken.IsCancellationRequested)
        {
            job.Finish(JobState.Cancelled, null, new JobError(ErrorKind.Refused,
                stopping.IsCancellationRequested ? "cancelled: the service is shutting down" : "cancelled on request"));
        }
        catch (PgArkException ex)
        {
            job.Finish(JobState.Failed, null, new JobError(ex.Kind, ex.Message, ex.Hint));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            job.Finish(JobState.Failed, null, new JobError(ErrorKind.Failed, ex.Message));
        }
#pragma warning disable CA1031 // A job's failure is its result; nothing above this frame could handle it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            logger.LogError(ex, "job {Id} ({Operation}): unexpected error", job.Id, job.Operation.Name);
            job.Finish(JobState.Failed, null, new JobError(ErrorKind.Failed, "internal error (see the server log)"));
        }
        Trim();
        job.SignalFinished();
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

    // Unguessable, so knowing one job's id says nothing about another's.
    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
