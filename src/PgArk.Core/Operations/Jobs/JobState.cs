namespace PgArk.Core.Operations.Jobs;

/// <summary>Where a job is in its life; the last three are final.</summary>
public enum JobState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}
