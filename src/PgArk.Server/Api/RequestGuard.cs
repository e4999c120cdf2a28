using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using PgArk.Core.Configuration;

namespace PgArk.Server.Api;

/// <summary>
/// The checks that keep web pages from driving the service, run once before any endpoint (and before authentication,
/// which --no-auth turns off):
/// <list type="bullet">
/// <item>the <c>Host</c> header must name a listen URL's host, an IP literal, <c>localhost</c> or an <c>api.allowedHosts</c>
/// entry, so a page on a rebound DNS name (attacker.example → 127.0.0.1) is refused (403);</item>
/// <item>a request with an <c>Origin</c> header not in <c>api.allowedOrigins</c> is refused (403): browsers send it on
/// every cross-site fetch, other clients do not. The service's own origin (scheme and the <c>Host</c> checked just before)
/// is allowed: that is the dashboard served at <c>/</c>;</item>
/// <item>every POST, PUT, PATCH and DELETE (which includes every message to <c>/mcp</c>) must say <c>Content-Type: application/json</c>
/// (415): a page can send text/plain or a form without a CORS preflight, but not JSON.</item>
/// </list>
/// </summary>
internal sealed class RequestGuard
{
    private static readonly string[] s_wildcardHosts = ["0.0.0.0", "[::]", "::", "*", "+"];

    private readonly HashSet<string> _hosts;
    private readonly HashSet<string> _origins;

    public RequestGuard(IEnumerable<string> listenUrls, ApiOptions? api)
    {
        _hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "localhost" };
        foreach (var url in listenUrls)
        {
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && !s_wildcardHosts.Contains(uri.Host))
            {
                _hosts.Add(uri.Host);
            }
        }
        _hosts.UnionWith(api?.AllowedHosts ?? []);
        _origins = new HashSet<string>(api?.AllowedOrigins ?? [], StringComparer.OrdinalIgnoreCase);
    }

    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        if (Refusal(http.Request) is { } refusal)
        {
            await ApiErrors.WriteAsync(http, refusal.Status, refusal.Code, refusal.Message, refusal.Hint).ConfigureAwait(false);
            return;
        }
        await next(http).ConfigureAwait(false);
    }

    internal (int Status, string Code, string Message, string? Hint)? Refusal(HttpRequest request)
    {
        var host = request.Host.Host;
        if (!request.Host.HasValue || !(_hosts.Contains(host) || IPAddress.TryParse(host.Trim('[', ']'), out _)))
        {
            return (StatusCodes.Status403Forbidden, "forbidden", $"host '{Shorten(request.Host.Value)}' is not served here",
                "add the name clients use to api.allowedHosts in pgark.yaml");
        }
        if (request.Headers.Origin.Count > 0)
        {
            var origin = request.Headers.Origin.ToString();
            if (request.Headers.Origin.Count > 1 || !(_origins.Contains(origin) || IsSameOrigin(request, origin)))
            {
                return (StatusCodes.Status403Forbidden, "forbidden", $"origin '{Shorten(origin)}' is not allowed",
                    "list the origin (scheme://host[:port]) under api.allowedOrigins in pgark.yaml to let that page call the API");
            }
        }
        if (NeedsJson(request) && !IsJson(request.ContentType))
        {
            return (StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
                $"{request.Method} {request.Path} needs 'Content-Type: application/json'", null);
        }
        return null;
    }

    // The Host passed the check above, so a page whose origin is scheme://Host is one this service served (the dashboard).
    private static bool IsSameOrigin(HttpRequest request, string origin) =>
        string.Equals(origin, $"{request.Scheme}://{request.Host.Value}", StringComparison.OrdinalIgnoreCase);

    // /mcp takes POST (so it is covered here) and DELETE; a GET there must keep its 405, which MCP clients read as "no SSE
    // stream". MCP clients end a session with a bodiless DELETE carrying Mcp-Session-Id: no page can send that without a
    // CORS preflight (neither the method nor the header is CORS-safelisted), so it needs no JSON body to be safe; the Host
    // and Origin checks above still apply.
    private static bool NeedsJson(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method)
        || (HttpMethods.IsDelete(request.Method) && !IsMcpSessionEnd(request));

    private static bool IsMcpSessionEnd(HttpRequest request) =>
        request.Path.Equals(Mcp.McpHttpEndpoint.Path, StringComparison.OrdinalIgnoreCase)
        && request.Headers[Mcp.McpHttpEndpoint.SessionIdHeader].Count == 1
        && request.ContentLength is null or 0 && !request.Headers.ContentType.Any();

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && parsed.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);

    // Header values are echoed in errors: keep them short.
    private static string Shorten(string? value) => value is null ? "" : value.Length <= 100 ? value : value[..100] + "…";
}
