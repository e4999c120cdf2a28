using Microsoft.Extensions.Logging.Abstractions;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Jobs;
using PgArk.Core.Operations.Registry;

namespace PgArk.Tests.Operations;

/// <summary>The job life cycle with an operation the test steps through: progress, success, failure, cancellation, retention.</summary>
public class JobManagerTests
{
    private static readonly OperationContext s_context = OperationRegistryTests.OfflineContext;

    public sealed record StepArguments(string Outcome);

    public sealed record StepResult(string Done);

    /// <summary>Reports progress, then waits for the test to release it; fails or honours cancellation on request.</summary>
    private sealed class SteppedOperation : Operation<StepArguments, StepResult>
    {
        public TaskCompletionSource Reported { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public override string Name => "stepped";
        public override string Description => "test operation";
        public override OperationRole Role => OperationRole.Operator;
        public override bool LongRunning => true;

        protected override async Task<StepResult> ExecuteAsync(OperationContext context, StepArguments input, IProgress<OperationProgress>? progress,
            CancellationToken cancellationToken)
        {
            progress?.Report(new OperationProgress("copy", 25, 100, 1, 4));
            Reported.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
            return input.Outcome == "fail" ? throw new IntegrityException("chain broken", "run verify") : new StepResult(input.Outcome);
        }
    }

    private static (JobManager Manager, SteppedOperation Operation, RegisteredOperation Registered) Create(int retain = 100)
    {
        var operation = new SteppedOperation();
        return (new JobManager(s_context, NullLogger.Instance, CancellationToken.None, retain), operation, OperationRegistry.Register(operation));
    }

    [Fact]
    public async Task Job_ReportsProgress_ThenSucceedsWithResult()
    {
        var (manager, operation, registered) = Create();
        var job = manager.Start("stepped", registered, new StepArguments("ok"));
        await operation.Reported.Task;

        var running = job.Snapshot();
        Assert.Equal(JobState.Running, running.State);
        Assert.Equal(new JobProgress("copy", 25, 100, 25.0, 1, 4), running.Progress);
        Assert.Same(job, manager.Get(job.Id));

        operation.Release.SetResult();
        await job.Finished;
        var done = job.Snapshot();
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.Equal("ok", done.Result?["done"]?.GetValue<string>());
        Assert.NotNull(done.FinishedAt);
    }

    [Fact]
    public async Task Job_Failure_KeepsKindMessageAndHint()
    {
        var (manager, operation, registered) = Create();
        var job = manager.Start("stepped", registered, new StepArguments("fail"));
        operation.Release.SetResult();
        await job.Finished;

        Assert.Equal(JobState.Failed, job.Snapshot().State);
        Assert.Equal(new JobError(ErrorKind.Integrity, "chain broken", "run verify"), job.Snapshot().Error);
    }

    [Fact]
    public async Task Cancel_RunningJob_EndsCancelled_FinishedJobUnaffected()
    {
        var (manager, operation, registered) = Create();
        var job = manager.Start("stepped", registered, new StepArguments("ok"));
        await operation.Reported.Task;

        job.Cancel();
        await job.Finished;

        Assert.Equal(JobState.Cancelled, job.Snapshot().State);
        Assert.True(job.Snapshot().CancelRequested);
        job.Cancel();
        Assert.Equal(JobState.Cancelled, job.Snapshot().State);
    }

    [Fact]
    public async Task FinishedJobs_BeyondRetention_AreDropped_UnknownIdIsNotFound()
    {
        var (manager, operation, registered) = Create(retain: 2);
        operation.Release.SetResult();
        var jobs = new List<OperationJob>();
        for (var i = 0; i < 4; i++)
        {
            var job = manager.Start("stepped", registered, new StepArguments($"run {i}"));
            await job.Finished;
            jobs.Add(job);
        }

        Assert.Equal(2, manager.List().Count);
        Assert.Throws<NotFoundException>(() => manager.Get(jobs[0].Id));
        Assert.Same(jobs[3], manager.Get(jobs[3].Id));
    }
}
