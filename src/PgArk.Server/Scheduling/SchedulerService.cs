using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PgArk.Core.Operations;
using PgArk.Core.Scheduling;

namespace PgArk.Server.Scheduling;

/// <summary>Runs the configured schedules (<see cref="Scheduler"/>) for as long as <c>pgark serve</c> runs.</summary>
internal sealed class SchedulerService(OperationContext context, TimeProvider clock) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => new Scheduler(context, clock).RunAsync(stoppingToken);

    /// <summary>Stops the schedules, then gives webhooks queued by any run (scheduled, REST or MCP) a bounded time to go out.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await context.Runs.FlushAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
    }

    /// <summary>Registers the service (one line in the host builder).</summary>
    public static void Add(IServiceCollection services, OperationContext context, TimeProvider? clock = null) =>
        services.AddHostedService(_ => new SchedulerService(context, clock ?? TimeProvider.System));
}
