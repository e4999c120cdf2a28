using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using PgArk.Core.Catalog;
using PgArk.Core.Configuration;
using Polly;
using Polly.Retry;

namespace PgArk.Core.Notifications;

/// <summary>
/// Posts run records to the configured webhooks in the background: the run that produced them never waits for or fails
/// because of a webhook. Network errors, timeouts, 5xx and 429 answers are retried with exponential back-off and jitter
/// (Polly); other answers are final. Only the webhook's host is ever logged (its URL and headers may hold credentials).
/// </summary>
internal sealed class WebhookNotifier : IDisposable
{
    /// <summary>Header carrying <c>sha256=HEX</c>, the HMAC-SHA256 of the body with the webhook's <c>secretEnv</c> secret.</summary>
    public const string SignatureHeader = "X-PgArk-Signature";

    private readonly IReadOnlyList<WebhookOptions> _webhooks;
    private readonly ILogger _logger;
    private readonly HttpClient _client;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly BackgroundDeliveries _deliveries = new();

    public WebhookNotifier(IReadOnlyList<WebhookOptions> webhooks, ILogger logger, TimeSpan? firstRetryDelay = null, int maxRetries = 4)
    {
        _webhooks = webhooks;
        _logger = logger;
#pragma warning disable CA2000 // the handler is owned and disposed by the HttpClient (disposeHandler: true)
        _client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = TimeSpan.FromSeconds(10) };
#pragma warning restore CA2000
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = maxRetries,
                Delay = firstRetryDelay ?? TimeSpan.FromSeconds(1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TaskCanceledException>()
                    .HandleResult(r => (int)r.StatusCode >= 500 || r.StatusCode == HttpStatusCode.TooManyRequests),
                OnRetry = args =>
                {
                    var why = args.Outcome.Exception?.Message ?? $"HTTP {(int)args.Outcome.Result!.StatusCode}";
                    _logger.LogInformation("webhook attempt {Attempt} failed ({Reason}); retrying in {Delay:0.0}s", args.AttemptNumber + 1, why,
                        args.RetryDelay.TotalSeconds);
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>Starts delivering <paramref name="run"/> to every webhook that asked for its status; returns at once.</summary>
    public void Enqueue(OperationRunRecord run)
    {
        var wanted = _webhooks.Where(w => run.Status switch
        {
            RunStatus.Success => w.OnSuccess,
            RunStatus.Failure => w.OnFailure,
            _ => false,
        }).ToList();
        if (wanted.Count == 0)
        {
            return;
        }
        var body = WebhookPayload.Build(run).ToJsonString();
        foreach (var webhook in wanted)
        {
            _deliveries.Start(() => DeliverAsync(webhook, body));
        }
    }

    /// <summary>Waits for deliveries in flight, at most <paramref name="timeout"/>; never throws.</summary>
    public Task FlushAsync(TimeSpan timeout) => _deliveries.FlushAsync(timeout);

    public void Dispose() => _client.Dispose();

    private async Task DeliverAsync(WebhookOptions webhook, string body)
    {
        string? secret = null;
        if (webhook.SecretEnv is { } variable && string.IsNullOrEmpty(secret = Environment.GetEnvironmentVariable(variable)))
        {
            // Unsigned, the receiver would reject it (or worse, accept unsigned notifications): do not send.
            _logger.LogWarning("webhook {Url} not called: environment variable '{Variable}' (secretEnv) is not set", webhook.RedactedUrl, variable);
            return;
        }
        try
        {
            using var response = await _pipeline.ExecuteAsync(async ct =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url)
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/json"),
                };
                request.Headers.UserAgent.Add(new ProductInfoHeaderValue("pgark", "1"));
                foreach (var (name, value) in webhook.Headers)
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }
                if (secret is not null)
                {
                    var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body));
                    request.Headers.TryAddWithoutValidation(SignatureHeader, "sha256=" + Convert.ToHexStringLower(signature));
                }
                return await _client.SendAsync(request, ct).ConfigureAwait(false);
            }, CancellationToken.None).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                _logger.LogDebug("webhook {Url} accepted the notification", webhook.RedactedUrl);
            }
            else
            {
                _logger.LogWarning("webhook {Url} refused the notification: HTTP {Status}", webhook.RedactedUrl, (int)response.StatusCode);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
            _logger.LogWarning("webhook {Url} unreachable after retries: {Message}", webhook.RedactedUrl, ex.Message);
        }
    }
}
