using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using PgArk.Core.Notifications.Alerts;
using PgArk.Core.Operations;

namespace PgArk.Server.Api;

/// <summary>
/// <c>GET /metrics</c> in Prometheus text format. Like every route it needs an API key (any role: viewer is enough;
/// Prometheus sends it with <c>authorization: { credentials: KEY }</c>); with <c>--no-auth</c> (loopback only) it is open.
/// Authentication and error mapping are the API's own (<see cref="ApiEndpoints"/>).
/// </summary>
internal sealed class MetricsEndpoints(ApiEndpoints api, OperationContext context, CancellationToken stopping, AlertEvaluator? alerts = null)
{
    private readonly MetricsCollector _collector = new(context, TimeProvider.System, alerts);

    public void Map(IEndpointRouteBuilder app) => app.MapGet("/metrics", (RequestDelegate)MetricsAsync);

    private Task MetricsAsync(HttpContext http) => api.GuardAsync(http, async () =>
    {
        api.Authenticate(http);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        var text = await _collector.CollectAsync(linked.Token).ConfigureAwait(false);
        http.Response.ContentType = PrometheusWriter.ContentType;
        await http.Response.WriteAsync(text, http.RequestAborted).ConfigureAwait(false);
    });
}
