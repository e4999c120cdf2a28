using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Server.Api;
using PgArk.Server.Auth;

namespace PgArk.Server.Dashboard;

/// <summary>
/// The web dashboard: its page and assets at <c>/</c> and <c>/dashboard/*</c> (embedded in this assembly, so an offline
/// host serves them), and <c>/api/session</c>, where an API key is exchanged for a session cookie. The page reads and acts
/// only through the REST routes every other front end uses; <see cref="ApiEndpoints.Authenticate"/> accepts the cookie
/// there, with the CSRF token on state-changing requests.
/// </summary>
internal sealed class DashboardEndpoints(ApiEndpoints api, DashboardSessions sessions)
{
    public const string SessionPath = "/api/session";

    // No inline script or style, nothing from another origin, never framed.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private static readonly Dictionary<string, (string Resource, string ContentType)> s_assets = new(StringComparer.Ordinal)
    {
        ["/"] = ("index.html", "text/html; charset=utf-8"),
        ["/dashboard/app.js"] = ("app.js", "text/javascript; charset=utf-8"),
        ["/dashboard/app.css"] = ("app.css", "text/css; charset=utf-8"),
        ["/dashboard/icon.svg"] = ("icon.svg", "image/svg+xml"),
    };

    public void Map(IEndpointRouteBuilder app)
    {
        foreach (var (path, asset) in s_assets)
        {
            var bytes = Load(asset.Resource);
            app.MapGet(path, (RequestDelegate)(http => WriteAssetAsync(http, bytes, asset.ContentType)));
        }
        app.MapGet(SessionPath, (RequestDelegate)CurrentAsync);
        app.MapPost(SessionPath, (RequestDelegate)SignInAsync);
        app.MapDelete(SessionPath, (RequestDelegate)SignOutAsync);
    }

    private static byte[] Load(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"PgArk.Server.Dashboard.Assets.{name}")
            ?? throw new InvalidOperationException($"dashboard asset '{name}' is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static async Task WriteAssetAsync(HttpContext http, byte[] bytes, string contentType)
    {
        var headers = http.Response.Headers;
        headers.ContentType = contentType;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        http.Response.ContentLength = bytes.Length;
        await http.Response.Body.WriteAsync(bytes, http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Who the page is signed in as, and its CSRF token (401 when not signed in).</summary>
    private Task CurrentAsync(HttpContext http) => api.GuardAsync(http, () =>
    {
        if (api.Keys is null)
        {
            return ApiJson.WriteAsync(http, Describe("local", Core.Configuration.OperationRole.Admin, csrf: "", authentication: false));
        }
        http.Request.Cookies.TryGetValue(DashboardSessions.CookieName, out var id);
        var session = sessions.Find(id, api.Keys) ?? throw new ApiEndpoints.UnauthorizedException("not signed in");
        return ApiJson.WriteAsync(http, Describe(session.Key.Name, session.Key.Role, session.CsrfToken, authentication: true));
    });

    /// <summary>
    /// <c>{"key": "pgark_..."}</c> → a session cookie (HttpOnly, SameSite=Strict, Secure over https) and the CSRF token.
    /// The key itself is not kept anywhere: the page forgets it once this answers.
    /// </summary>
    private Task SignInAsync(HttpContext http) => api.GuardAsync(http, async () =>
    {
        if (api.Keys is not { } keys)
        {
            await ApiJson.WriteAsync(http, Describe("local", Core.Configuration.OperationRole.Admin, csrf: "", authentication: false)).ConfigureAwait(false);
            return;
        }
        var key = await ReadKeyAsync(http).ConfigureAwait(false);
        var match = ApiKeys.Find(keys, key) ?? throw new ApiEndpoints.UnauthorizedException("unknown API key");
        var session = sessions.Create(match);
        http.Response.Cookies.Append(DashboardSessions.CookieName, session.Id, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            Path = "/",
            MaxAge = DashboardSessions.Lifetime,
        });
        await ApiJson.WriteAsync(http, Describe(match.Name, match.Role, session.CsrfToken, authentication: true)).ConfigureAwait(false);
    });

    /// <summary>Ends the session (needs its CSRF token, like every state-changing request) and clears the cookie.</summary>
    private Task SignOutAsync(HttpContext http) => api.GuardAsync(http, async () =>
    {
        if (api.Keys is not null && http.Request.Cookies.TryGetValue(DashboardSessions.CookieName, out var id))
        {
            api.Authenticate(http);
            sessions.Remove(id);
        }
        http.Response.Cookies.Delete(DashboardSessions.CookieName, new CookieOptions { Path = "/", SameSite = SameSiteMode.Strict, HttpOnly = true });
        await ApiJson.WriteAsync(http, new JsonObject { ["signed_out"] = true }).ConfigureAwait(false);
    });

    private static async Task<string> ReadKeyAsync(HttpContext http)
    {
        if (http.Request.ContentLength > 4096)
        {
            throw new ApiEndpoints.PayloadTooLargeException();
        }
        try
        {
            using var document = await JsonDocument.ParseAsync(http.Request.Body, default, http.RequestAborted).ConfigureAwait(false);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("key", out var key)
                && key.ValueKind == JsonValueKind.String && key.GetString() is { Length: > 0 } text)
            {
                return text.Trim();
            }
        }
        catch (JsonException)
        {
        }
        throw new UsageException("request body must be {\"key\": \"<API key>\"}");
    }

    private static JsonObject Describe(string name, Core.Configuration.OperationRole role, string csrf, bool authentication) => new()
    {
        ["name"] = name,
        ["role"] = role.ToString().ToLowerInvariant(),
        ["csrf_token"] = csrf,
        ["authentication"] = authentication,
    };
}
