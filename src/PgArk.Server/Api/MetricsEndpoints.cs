using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.Server.Auth;

namespace PgArk.Server.Api;

/// <summary>
/// <c>GET /metrics</c> in Prometheus text format. Like every route it needs an API key (any role: viewer is enough;
/// Prometheus sends it with <c>authorization: { credentials: KEY }</c>); with <c>--no-auth</c> (loopback only) it is open.
/// </summary>
internal sealed class MetricsEndpoints(OperationContext context, IReadOnlyList<ApiKeyOptions>? keys, ILogger logger, CancellationToken stopping)
{
    private readonly MetricsCollector _collector = new(context, TimeProvider.System);

    public void Map(IEndpointRouteBuilder app) => app.MapGet("/metrics", (RequestDelegate)MetricsAsync);

    private async Task MetricsAsync(HttpContext http)
    {
        if (keys is not null)
        {
            var header = http.Request.Headers.Authorization.ToString();
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
            {
                await ApiErrors.WriteAsync(http, StatusCodes.Status401Unauthorized, "unauthorized", "missing API key: send 'Authorization: Bearer <key>'")
                    .ConfigureAwait(false);
                return;
            }
            if (ApiKeys.Find(keys, header[7..].Trim()) is null)
            {
                await ApiErrors.WriteAsync(http, StatusCodes.Status401Unauthorized, "unauthorized", "unknown API key").ConfigureAwait(false);
                return;
            }
        }
        string text;
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
            text = await _collector.CollectAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "/metrics: unable to collect");
            await ApiErrors.WriteAsync(http, StatusCodes.Status500InternalServerError, "internal", "internal error (see the server log)").ConfigureAwait(false);
            return;
        }
        http.Response.ContentType = PrometheusWriter.ContentType;
        await http.Response.WriteAsync(text, http.RequestAborted).ConfigureAwait(false);
    }
}
