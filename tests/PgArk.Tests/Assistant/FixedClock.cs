namespace PgArk.Tests.Assistant;

/// <summary>A clock stopped at one instant, so relative times in requests resolve the same on every run.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();
}
