using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PgArk.Core.Errors;
using PgArk.Core.Operations;

namespace PgArk.Server.Archiving;

/// <summary>
/// Keeps the asynchronous archiving pusher (<c>pgark archive-pusher</c>) running for every server with
/// <c>archive.async: true</c> for as long as <c>pgark serve</c> runs, so ready WAL files are stored ahead and
/// archive_command (<c>pgark-archive-push</c>) finds their status at once instead of starting a pusher itself. The pusher
/// exits when idle or when another one (started by archive-push) holds the server's lock; it is started again a second
/// later. Failures are retried after a growing pause.
/// </summary>
internal sealed class ArchivePusherService(OperationContext context, ILogger logger) : BackgroundService
{
    private static readonly TimeSpan s_maxPause = TimeSpan.FromMinutes(5);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(context.Options.Servers.Where(s => s.ArchiveOrDefault.Async)
            .Select(s => Task.Run(() => RunServerAsync(s.Name, stoppingToken), CancellationToken.None)));

    private async Task RunServerAsync(string server, CancellationToken stoppingToken)
    {
        var pause = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await new ArchivePusherOperation().RunAsync(context, new ArchivePusherInput(server, null), null, stoppingToken).ConfigureAwait(false);
                pause = TimeSpan.FromSeconds(1);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is PgArkException or IOException or UnauthorizedAccessException)
            {
                logger.LogError("asynchronous archiving pusher of server '{Server}' failed: {Message}; starting again in {Seconds:0} s", server,
                    ex.Message, pause.TotalSeconds);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, s_maxPause.Ticks));
            }
            try
            {
                await Task.Delay(pause, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Registers the service (one line in the host builder).</summary>
    public static void Add(IServiceCollection services, OperationContext context) =>
        services.AddHostedService(_ => new ArchivePusherService(context, context.CreateLogger("PgArk.ArchivePusher")));
}
