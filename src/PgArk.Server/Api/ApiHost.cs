using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Jobs;
using PgArk.Core.Operations.Registry;
using PgArk.Server.Mcp;

namespace PgArk.Server.Api;

/// <summary>Builds the Kestrel host for <c>pgark serve</c>; tests start and stop it in-process.</summary>
public static class ApiHost
{
    public static WebApplication Build(ApiHostOptions options)
    {
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "pgark",
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.Logging.ClearProviders();
        if (options.LoggerFactory is { } loggerFactory)
        {
            builder.Services.AddSingleton(loggerFactory);
        }
        builder.WebHost.UseUrls(options.Url);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = ApiHostOptions.MaxRequestBodyBytes;
        });
        Scheduling.SchedulerService.Add(builder.Services, options.Context);
        Streaming.StreamingService.Add(builder.Services, options.Context);
        Archiving.ArchivePusherService.Add(builder.Services, options.Context);
        var alerts = Alerts.AlertService.Add(builder.Services, options.Context);
        var app = builder.Build();
        // Every call below comes from the network: operations confine it (the scheduler above keeps the local context).
        var context = options.Context.For(OperationCaller.Remote);
        var registry = options.Registry ?? OperationRegistry.Default;
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();
        var stopping = app.Lifetime.ApplicationStopping;
        var jobs = new JobManager(context, loggers.CreateLogger("PgArk.Jobs"), stopping);
        // Registered once, before every endpoint: the routes below (and any added later) are all behind it.
        app.Use(new RequestGuard(options.Urls, context.Options.Api).InvokeAsync);
        var sessions = new Dashboard.DashboardSessions(TimeProvider.System);
        var endpoints = new ApiEndpoints(context, registry,
            options.NoAuth ? null : context.Options.Api?.Keys ?? [], loggers.CreateLogger("PgArk.Api"), stopping, jobs, sessions);
        endpoints.Map(app);
        new Dashboard.DashboardEndpoints(endpoints, sessions).Map(app);
        new Dashboard.AgentStatusEndpoints(endpoints, context, stopping).Map(app);
        new MetricsEndpoints(endpoints, context, stopping, alerts).Map(app);
        new ResourceEndpoints(endpoints, context, registry, jobs, stopping).Map(app);
        new JobEndpoints(endpoints, jobs).Map(app);
        new McpHttpEndpoint(endpoints, context, registry, loggers, stopping).Map(app);
        return app;
    }

    /// <summary>Builds, starts, reports the address, and runs until <paramref name="cancellationToken"/> fires.</summary>
    public static async Task ServeAsync(ApiHostOptions options, Func<Uri, Task> started, CancellationToken cancellationToken)
    {
        var app = Build(options);
        await using var appScope = app.ConfigureAwait(false);
        // The dashboard's first page is answered from warm caches and compiled code, not after a cold start's work: the
        // warm-up starts before Kestrel and the alert service (whose first evaluation, and any early request, then share
        // each manifest's single read with it), and serve says it listens once it is done, or DashboardWarmup.Patience
        // after it began at the latest (the rest goes on in the background). Kestrel accepts meanwhile.
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PgArk.Api");
        var patience = Task.Delay(Dashboard.DashboardWarmup.Patience, cancellationToken);
        var warmup = Dashboard.DashboardWarmup.RunOperationsAsync(options.Context, options.Registry ?? OperationRegistry.Default, logger, cancellationToken);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = ListeningAddress(app);
        await Task.WhenAny(Dashboard.DashboardWarmup.RunRequestsAsync(address, logger, cancellationToken), patience).ConfigureAwait(false);
        await Task.WhenAny(warmup, patience).ConfigureAwait(false);
        await started(address).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>The address Kestrel actually listens on (after start; resolves port 0).</summary>
    public static Uri ListeningAddress(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
