using System.Text.Json.Nodes;

namespace PgArk.Core.Operations.Jobs;

/// <summary>A consistent copy of a job's state at one moment (what the API returns).</summary>
/// <param name="Tool">The name the caller used (an alias such as trigger_incremental_backup, or the operation name).</param>
/// <param name="Result">The operation's JSON result once <see cref="JobState.Succeeded"/>.</param>
public sealed record JobSnapshot(string Id, string Tool, string Operation, JobState State, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt, JobProgress? Progress, JsonNode? Result, JobError? Error, bool CancelRequested);
