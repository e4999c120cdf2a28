using System.Globalization;
using System.Threading.Channels;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using PgArk.Core.Common;

namespace PgArk.Server.Mcp;

/// <summary>
/// Turns an operation's progress into MCP progress notifications for one call. Reports arrive on the worker threads,
/// many per second on the copy path; they are thinned out (phase changes, and at most one every 200 ms) and sent in
/// order by one loop. MCP requires the progress value to grow, while an operation's bytes restart with each phase, so
/// the value sent is the running total of bytes reported across phases; the message says phase, bytes and percent.
/// </summary>
internal sealed class McpProgressSender : IProgress<OperationProgress>
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(200);

    private readonly Channel<ProgressNotificationValue> _channel = Channel.CreateUnbounded<ProgressNotificationValue>(
        new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _sender;
    private readonly Lock _lock = new();
    private string? _phase;
    private long _phaseBytes;
    private long _completedPhasesBytes;
    private long _lastSentTicks;

    public McpProgressSender(McpSession session, ProgressToken token)
    {
        _sender = SendAllAsync(session, token);
    }

    public void Report(OperationProgress value)
    {
        lock (_lock)
        {
            var now = Environment.TickCount64;
            var newPhase = value.Phase != _phase;
            if (newPhase)
            {
                _completedPhasesBytes += _phaseBytes;
                _phase = value.Phase;
                _phaseBytes = 0;
            }
            _phaseBytes = Math.Max(_phaseBytes, value.BytesDone);
            var last = value.BytesTotal > 0 && value.BytesDone >= value.BytesTotal;
            if (!newPhase && !last && now - _lastSentTicks < s_interval.TotalMilliseconds)
            {
                return;
            }
            _lastSentTicks = now;
            _channel.Writer.TryWrite(new ProgressNotificationValue
            {
                Progress = _completedPhasesBytes + _phaseBytes,
                Message = Describe(value),
            });
        }
    }

    /// <summary>Waits until every queued notification has been sent.</summary>
    public Task CompleteAsync()
    {
        _channel.Writer.TryComplete();
        return _sender;
    }

    private static string Describe(OperationProgress value) => value.BytesTotal > 0
        ? string.Create(CultureInfo.InvariantCulture,
            $"{value.Phase}: {value.BytesDone} of {value.BytesTotal} bytes ({100.0 * Math.Min(value.BytesDone, value.BytesTotal) / value.BytesTotal:0.0}%)")
        : value.Phase;

    private async Task SendAllAsync(McpSession session, ProgressToken token)
    {
        await foreach (var value in _channel.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await session.NotifyProgressAsync(token, value).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
            {
                // The client went away: the operation goes on; its result has nowhere to go either.
                return;
            }
        }
    }
}
