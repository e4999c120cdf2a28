using Microsoft.Extensions.Logging;
using PgArk.Core.Configuration;
using Polly;
using Polly.Retry;

namespace PgArk.Core.Notifications;

/// <summary>
/// Delivers notifications to the chat and e-mail channels (<c>notifications.channels</c>) in the background, like
/// <see cref="WebhookNotifier"/>: nothing that notifies waits for or fails because of a channel. Transient failures
/// (network, timeouts, 5xx, 429, SMTP 4xx) are retried with exponential back-off and jitter (Polly); others are final.
/// </summary>
public sealed class ChannelNotifier : IDisposable
{
    private readonly IReadOnlyList<ChannelOptions> _channels;
    private readonly ILogger _logger;
    private readonly HttpClient _client;
    private readonly ResiliencePipeline _pipeline;
    private readonly BackgroundDeliveries _deliveries = new();

    public ChannelNotifier(IReadOnlyList<ChannelOptions> channels, ILogger logger, TimeSpan? firstRetryDelay = null, int maxRetries = 4)
    {
        _channels = channels;
        _logger = logger;
#pragma warning disable CA2000 // the handler is owned and disposed by the HttpClient (disposeHandler: true)
        _client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = TimeSpan.FromSeconds(10) };
#pragma warning restore CA2000
        _pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = maxRetries,
                Delay = firstRetryDelay ?? TimeSpan.FromSeconds(1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<ChannelDeliveryException>(e => e.Transient),
                OnRetry = args =>
                {
                    _logger.LogInformation("notification attempt {Attempt} failed ({Reason}); retrying in {Delay:0.0}s", args.AttemptNumber + 1,
                        args.Outcome.Exception?.Message, args.RetryDelay.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public IReadOnlyList<ChannelOptions> Channels => _channels;

    /// <summary>Starts delivering <paramref name="notification"/> to every channel that listed its event; returns at once.</summary>
    public void Enqueue(Notification notification)
    {
        foreach (var channel in _channels.Where(c => notification.Event != NotificationEvents.None && c.On.HasFlag(notification.Event)))
        {
            _deliveries.Start(() => DeliverQuietlyAsync(channel, notification));
        }
    }

    /// <summary>Delivers to one channel (whatever its <c>on:</c> list) with retries, and waits.</summary>
    /// <exception cref="ChannelDeliveryException">The last attempt failed.</exception>
    public async Task SendAsync(ChannelOptions channel, Notification notification, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(async ct => await ChannelSender.SendAsync(channel, notification, _client, ct).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);

    /// <summary>Waits for deliveries in flight, at most <paramref name="timeout"/>; never throws.</summary>
    public Task FlushAsync(TimeSpan timeout) => _deliveries.FlushAsync(timeout);

    public void Dispose() => _client.Dispose();

    private async Task DeliverQuietlyAsync(ChannelOptions channel, Notification notification)
    {
        try
        {
            await SendAsync(channel, notification, CancellationToken.None).ConfigureAwait(false);
            _logger.LogDebug("channel {Channel} ({Target}) accepted the notification", channel.Name, ChannelSender.Describe(channel));
        }
        catch (ChannelDeliveryException ex)
        {
            _logger.LogWarning("channel {Channel} ({Target}) not notified: {Message}", channel.Name, ChannelSender.Describe(channel), ex.Message);
        }
    }
}
