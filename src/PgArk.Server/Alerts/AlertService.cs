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

    // What each server's alerts-state.json holds (as last read or written); a server is restored from it once.
    private readonly Dictionary<string, AlertState?> _saved = new(StringComparer.Ordinal);

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
            foreach (var server in facts)
            {
                await RestoreAsync(server.Server, stoppingToken).ConfigureAwait(false);
            }
            foreach (var alert in evaluator.Evaluate(facts))
            {
                logger.LogWarning("alert {Alert} on server {Server} {Transition}: {Message}", AlertConditions.Name(alert.Kind), alert.Server,
                    alert.Transition.ToString().ToLowerInvariant(), alert.Message);
                context.Runs.Channels?.Enqueue(alert.ToNotification());
            }
            foreach (var server in facts)
            {
                await SaveAsync(server.Server, stoppingToken).ConfigureAwait(false);
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

    private AlertStateStore Store(string server) => new(context.PrimaryRepositoryFor(context.GetServer(server)), server);

    private async Task RestoreAsync(string server, CancellationToken cancellationToken)
    {
        if (_saved.ContainsKey(server))
        {
            return;
        }
        AlertState? state = null;
        try
        {
            state = await Store(server).LoadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Core.Errors.PgArkException or IOException)
        {
            logger.LogWarning("alert state of server {Server} not read (alerts that still hold are sent again): {Message}", server, ex.Message);
        }
        if (state is not null && state.Server == server)
        {
            evaluator.Restore(state);
        }
        _saved[server] = state;
    }

    // Written only when something changed, so a quiet service does not rewrite the file every period.
    private async Task SaveAsync(string server, CancellationToken cancellationToken)
    {
        var state = evaluator.StateOf(server);
        if (state.SameAs(_saved.GetValueOrDefault(server)))
        {
            return;
        }
        try
        {
            await Store(server).SaveAsync(state, cancellationToken).ConfigureAwait(false);
            _saved[server] = state;
        }
        catch (Exception ex) when (ex is Core.Errors.PgArkException or IOException)
        {
            logger.LogWarning("alert state of server {Server} not saved: {Message}", server, ex.Message);
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
