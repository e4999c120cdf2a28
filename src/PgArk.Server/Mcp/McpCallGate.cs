using PgArk.Core.Configuration;
using PgArk.Core.Operations;

namespace PgArk.Server.Mcp;

/// <summary>
/// The cap on MCP tool calls in progress at once (<see cref="ApiLimits.ConcurrentMcpCalls"/>). A call over the cap is
/// refused at once rather than queued: a model retrying in a loop must not pile up waiting calls either.
/// </summary>
public sealed class McpCallGate(int limit)
{
    private int _inFlight;

    public int Limit { get; } = limit > 0 ? limit : throw new ArgumentOutOfRangeException(nameof(limit));

    public static McpCallGate For(OperationContext context) => new((context.Options.Api?.Limits ?? ApiLimits.Default).ConcurrentMcpCalls);

    /// <summary>Takes a place; false when <see cref="Limit"/> calls are already in progress.</summary>
    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _inFlight) <= Limit)
        {
            return true;
        }
        Interlocked.Decrement(ref _inFlight);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _inFlight);
}
