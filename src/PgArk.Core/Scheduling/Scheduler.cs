using Microsoft.Extensions.Logging;
using PgArk.Core.Operations;

namespace PgArk.Core.Scheduling;

/// <summary>Runs the schedules of every configured server until cancelled (hosted by <c>pgark serve</c>).</summary>
public sealed class Scheduler(OperationContext context, TimeProvider? clock = null)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var logger = context.CreateLogger("PgArk.Scheduling");
        var loops = context.Options.Servers
            .Where(s => s.Schedule is { Entries.Count: > 0 })
            .Select(s => RunServerAsync(new ServerScheduler(context, s, s.Schedule!, clock ?? TimeProvider.System, logger), logger, s.Name, cancellationToken))
            .ToList();
        if (loops.Count == 0)
        {
            logger.LogInformation("no schedules configured");
            return;
        }
        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    private static async Task RunServerAsync(ServerScheduler scheduler, ILogger logger, string server, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Yield();
            await scheduler.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // One server's scheduler failing must not stop the others (or the service).
            logger.LogError(ex, "server '{Server}': scheduler stopped", server);
        }
    }
}
