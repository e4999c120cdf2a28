using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Registry;

namespace PgArk.Server.Dashboard;

/// <summary>
/// What the dashboard's server page asks first (each server's info, last 100 runs and schedule), run once while
/// <c>pgark serve</c> starts, begun before Kestrel and the alert service start, and awaited (for at most
/// <see cref="Patience"/>) before serve says it listens: the manifests are parsed into the process-wide header cache once
/// (the alert service's first evaluation, and any request that comes early, share each manifest's single read; later they
/// only list and stat them), and the code those answers run through is compiled before a user waits for it. Once Kestrel
/// listens, requests for the page, its script and the session route warm the request pipeline. Nothing here is remembered
/// beyond the caches every request already uses (a listing still reflects the repository as it is then), and nothing
/// here can stop serve: a failure is logged and the first real request simply does the work itself.
/// </summary>
internal static class DashboardWarmup
{
    /// <summary>Longest serve waits for the warm-up before it says it listens; the rest goes on in the background.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    /// <summary>Each configured server's first-page answers, through the registry as the REST routes run them.</summary>
    public static async Task RunOperationsAsync(OperationContext context, OperationRegistry registry, ILogger logger, CancellationToken cancellationToken)
    {
        var remote = context.For(OperationCaller.Remote);
        await Task.WhenAll(context.Options.Servers.Select(server => Task.Run(async () =>
        {
            await RunAsync(remote, registry, "info", new JsonObject { ["server"] = server.Name }, logger, cancellationToken).ConfigureAwait(false);
            await RunAsync(remote, registry, "list_runs", new JsonObject { ["server"] = server.Name, ["limit"] = 100 }, logger, cancellationToken)
                .ConfigureAwait(false);
            await RunAsync(remote, registry, "schedule", new JsonObject { ["server"] = server.Name }, logger, cancellationToken).ConfigureAwait(false);
        }, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>The page, its script and the session route, over HTTP to the address Kestrel listens on.</summary>
    public static async Task RunRequestsAsync(Uri address, ILogger logger, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = address };
        // All three within one Patience (serve stops waiting for them at its own deadline in any case).
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(Patience);
        foreach (var path in new[] { "/", "/dashboard/app.js", DashboardEndpoints.SessionPath })
        {
            try
            {
                // Any answer will do (the session route says 401 without a cookie when keys are configured).
                using var response = await http.GetAsync(path, budget.Token).ConfigureAwait(false);
                await response.Content.ReadAsByteArrayAsync(budget.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogDebug("start-up warm-up: GET {Path} failed: {Message}", path, ex.Message);
                return;
            }
        }
    }

    private static async Task RunAsync(OperationContext context, OperationRegistry registry, string operation, JsonObject arguments, ILogger logger,
        CancellationToken cancellationToken)
    {
        try
        {
            var element = JsonSerializer.SerializeToElement(arguments, Mcp.McpJsonContext.Default.JsonObject);
            var (prepared, bound) = await registry.PrepareAsync(context, operation, element, cancellationToken).ConfigureAwait(false);
            var result = await OperationRegistry.RunPreparedAsync(context, prepared, bound, null, cancellationToken).ConfigureAwait(false);
            // As ApiJson writes it, so the serialization is compiled too.
            _ = result?.ToJsonString(ArgumentBinder.Options);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogDebug("start-up warm-up: {Operation} of server {Server} failed: {Message}", operation, arguments["server"], ex.Message);
        }
    }
}
