using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PgArk.Core.Configuration;
using PgArk.Core.Notifications.Alerts;
using PgArk.Core.Operations;

namespace PgArk.Server.Alerts;

/// <summary>
/// Evaluates the alerts (<see cref="AlertEvaluator"/>) every <c>notifications.alerts.evaluateEverySeconds</c> for as long
/// as <c>pgark serve</c> runs, and sends what fires, repeats or resolves to the channels that listed
/// <c>alert</c>/<c>resolved</c>. A failed evaluation is logged and tried again next period; it never stops the service.
/// </summary>
internal sealed class AlertService(OperationContext context, AlertEvaluator evaluator, AlertOptions options, TimeProvider clock, ILogger logger)
    : BackgroundService
{
    private readonly AlertFactsReader _reader = new(context);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.EvaluateEvery, clock);
        do
        {
            await EvaluateOnceAsync(stoppingToken).ConfigureAwait(false);
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task EvaluateOnceAsync(CancellationToken stoppingToken)
    {
        try
        {
            var facts = await _reader.ReadAsync(clock.GetUtcNow(), stoppingToken).ConfigureAwait(false);
            foreach (var alert in evaluator.Evaluate(facts))
            {
                logger.LogWarning("alert {Alert} on server {Server} {Transition}: {Message}", AlertConditions.Name(alert.Kind), alert.Server,
                    alert.Transition.ToString().ToLowerInvariant(), alert.Message);
                context.Runs.Channels?.Enqueue(alert.ToNotification());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever went wrong (a repository or server that misbehaves), the next period tries again.
            logger.LogWarning(ex, "alert evaluation failed: {Message}", ex.Message);
        }
    }

    /// <summary>
    /// Registers the service when alerts are enabled and returns the evaluator /metrics reads (null when disabled).
    /// </summary>
    public static AlertEvaluator? Add(IServiceCollection services, OperationContext context, TimeProvider? clock = null)
    {
        var options = context.Options.Notifications?.Alerts ?? AlertOptions.Default;
        if (!options.Enabled)
        {
            return null;
        }
        var time = clock ?? TimeProvider.System;
        var evaluator = new AlertEvaluator(options, time);
        services.AddHostedService(_ => new AlertService(context, evaluator, options, time, context.CreateLogger("PgArk.Alerts")));
        return evaluator;
    }
}
