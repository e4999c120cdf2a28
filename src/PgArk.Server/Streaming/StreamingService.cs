using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PgArk.Core.Errors;
using PgArk.Core.Operations;

namespace PgArk.Server.Streaming;

/// <summary>
/// Runs <c>pgark stream</c> (the registry's stream operation, so runs are recorded and failures notified like any
/// other) for every server with <c>stream: true</c> for as long as <c>pgark serve</c> runs. The streamer reconnects by
/// itself and follows a promotion; a failure it gives up on (a timeline that does not continue the streamed one,
/// another cluster, an unwritable repository at a switch) is retried here after a growing pause, so a fixed cause
/// needs no restart of serve.
/// </summary>
internal sealed class StreamingService(OperationContext context, ILogger logger) : BackgroundService
{
    private static readonly TimeSpan s_maxPause = TimeSpan.FromMinutes(10);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(context.Options.Servers.Where(s => s.Stream).Select(s => Task.Run(() => RunServerAsync(s.Name, stoppingToken), CancellationToken.None)));

    private async Task RunServerAsync(string server, CancellationToken stoppingToken)
    {
        var pause = TimeSpan.FromSeconds(5);
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = DateTime.UtcNow;
            try
            {
                var result = await new StreamOperation().RunAsync(context, new StreamInput(server), null, stoppingToken).ConfigureAwait(false);
                logger.LogInformation("streaming of server '{Server}' stopped at {Lsn}", server, result.FlushedLsn);
                if (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is PgArkException or IOException or Npgsql.NpgsqlException)
            {
                logger.LogError("streaming of server '{Server}' failed: {Message}; starting again in {Seconds:0} s", server, ex.Message, pause.TotalSeconds);
            }
            // A stream that ran for a while before failing starts the pauses over.
            pause = DateTime.UtcNow - started > s_maxPause ? TimeSpan.FromSeconds(5) : pause;
            await Task.Delay(pause, stoppingToken).ConfigureAwait(false);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, s_maxPause.Ticks));
        }
    }

    /// <summary>Registers the service (one line in the host builder).</summary>
    public static void Add(IServiceCollection services, OperationContext context) =>
        services.AddHostedService(_ => new StreamingService(context, context.CreateLogger("PgArk.Stream")));
}
