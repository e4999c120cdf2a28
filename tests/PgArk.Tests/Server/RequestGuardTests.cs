using Microsoft.AspNetCore.Http;
using PgArk.Core.Configuration;
using PgArk.Server.Api;

namespace PgArk.Tests.Server;

/// <summary>The browser-facing checks in front of every route (what a web page or a rebound DNS name can send).</summary>
public class RequestGuardTests
{
    private static readonly ApiOptions s_api = new(null, [])
    {
        AllowedOrigins = ["https://ops.example.com"],
        AllowedHosts = ["backup.internal"],
    };

    private static RequestGuard Guard(params string[] urls) => new(urls.Length == 0 ? ["http://127.0.0.1:8001"] : urls, s_api);

    private static HttpRequest Request(string method, string path, string host = "127.0.0.1:8001", string? contentType = "application/json",
        string? origin = null)
    {
        var http = new DefaultHttpContext();
        http.Request.Scheme = "http";
        http.Request.Method = method;
        http.Request.Path = path;
        http.Request.Host = new HostString(host);
        http.Request.ContentType = contentType;
        if (origin is not null)
        {
            http.Request.Headers.Origin = origin;
        }
        return http.Request;
    }

    [Theory]
    [InlineData("POST", "/invoke", "text/plain")]
    [InlineData("POST", "/invoke", "application/x-www-form-urlencoded")]
    [InlineData("POST", "/invoke", "multipart/form-data; boundary=x")]
    [InlineData("POST", "/invoke", null)]
    [InlineData("DELETE", "/api/jobs/abc", null)]
    [InlineData("POST", "/mcp", "text/plain;charset=UTF-8")]
    [InlineData("POST", "/MCP", "application/jsonx")]
    public void Refusal_NotJson_415(string method, string path, string? contentType)
    {
        var refusal = Guard().Refusal(Request(method, path, contentType: contentType));
        Assert.NotNull(refusal);
        Assert.Equal(StatusCodes.Status415UnsupportedMediaType, refusal.Value.Status);
        Assert.Equal($"{method} {path} needs 'Content-Type: application/json'", refusal.Value.Message);
    }

    [Theory]
    [InlineData("POST", "/invoke", "application/json")]
    [InlineData("POST", "/invoke", "application/json; charset=utf-8")]
    [InlineData("POST", "/mcp", "Application/JSON")]
    [InlineData("GET", "/api/servers", null)]
    [InlineData("GET", "/mcp", null)]
    public void Refusal_JsonOrRead_Passes(string method, string path, string? contentType)
    {
        Assert.Null(Guard().Refusal(Request(method, path, contentType: contentType)));
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("null")]
    [InlineData("https://ops.example.com.evil.example")]
    [InlineData("http://ops.example.com")]
    public void Refusal_UnlistedOrigin_403(string origin)
    {
        var refusal = Guard().Refusal(Request("GET", "/api/servers", origin: origin));
        Assert.NotNull(refusal);
        Assert.Equal(StatusCodes.Status403Forbidden, refusal.Value.Status);
        Assert.Equal($"origin '{origin}' is not allowed", refusal.Value.Message);
    }

    [Theory]
    [InlineData("POST", "127.0.0.1:8001", "http://127.0.0.1:8001")]
    [InlineData("DELETE", "localhost:8001", "http://localhost:8001")]
    [InlineData("POST", "backup.internal", "http://backup.internal")]
    public void Refusal_ServicesOwnOrigin_Passes_TheDashboard(string method, string host, string origin)
    {
        Assert.Null(Guard().Refusal(Request(method, "/api/session", host: host, origin: origin)));
    }

    [Theory]
    [InlineData("127.0.0.1:8001", "http://127.0.0.1:8002")]
    [InlineData("127.0.0.1:8001", "https://127.0.0.1:8001")]
    [InlineData("127.0.0.1:8001", "http://localhost:8001")]
    public void Refusal_OriginOtherThanTheHostAsked_403(string host, string origin)
    {
        var refusal = Guard().Refusal(Request("POST", "/api/session", host: host, origin: origin));
        Assert.Equal(StatusCodes.Status403Forbidden, refusal?.Status);
    }

    [Fact]
    public void Refusal_ListedOrigin_Passes()
    {
        Assert.Null(Guard().Refusal(Request("POST", "/invoke", origin: "https://ops.example.com")));
    }

    [Theory]
    [InlineData("attacker.example:8001")]
    [InlineData("127.0.0.1.nip.io:8001")]
    [InlineData("")]
    public void Refusal_ReboundHostName_403(string host)
    {
        var refusal = Guard().Refusal(Request("GET", "/api/servers", host: host));
        Assert.NotNull(refusal);
        Assert.Equal(StatusCodes.Status403Forbidden, refusal.Value.Status);
        Assert.Equal($"host '{host}' is not served here", refusal.Value.Message);
    }

    [Theory]
    [InlineData("127.0.0.1:8001")]
    [InlineData("localhost:8001")]
    [InlineData("[::1]:8001")]
    [InlineData("backup.internal:8001")]
    [InlineData("BACKUP.internal")]
    [InlineData("10.1.2.3:8001")]
    public void Refusal_ListenHostAllowedHostOrIpLiteral_Passes(string host)
    {
        Assert.Null(Guard().Refusal(Request("GET", "/api/servers", host: host)));
    }

    [Fact]
    public void Refusal_ListenUrlsHostName_Passes_WildcardAddsNothing()
    {
        var guard = Guard("http://pgark.lan:8001", "http://0.0.0.0:8002");
        Assert.Null(guard.Refusal(Request("GET", "/api/servers", host: "pgark.lan:8001")));
        Assert.NotNull(guard.Refusal(Request("GET", "/api/servers", host: "0.0.0.0.attacker.example")));
    }

    [Fact]
    public void Refusal_McpSessionEnd_BodilessDeleteWithSessionIdPasses_OtherDeletesStill415_ForeignOrigin403()
    {
        static HttpRequest Delete(string path, string? session, string? contentType = null, string? origin = null)
        {
            var request = Request("DELETE", path, contentType: contentType, origin: origin);
            if (session is not null)
            {
                request.Headers["Mcp-Session-Id"] = session;
            }
            return request;
        }

        Assert.Null(Guard().Refusal(Delete("/mcp", "abc")));
        // Without the session header, with a body type a form can send, or on another route: the JSON rule holds.
        Assert.Equal(StatusCodes.Status415UnsupportedMediaType, Guard().Refusal(Delete("/mcp", null))?.Status);
        Assert.Equal(StatusCodes.Status415UnsupportedMediaType, Guard().Refusal(Delete("/mcp", "abc", "text/plain"))?.Status);
        Assert.Equal(StatusCodes.Status415UnsupportedMediaType, Guard().Refusal(Delete("/api/jobs/abc", "abc"))?.Status);
        Assert.Equal(StatusCodes.Status403Forbidden, Guard().Refusal(Delete("/mcp", "abc", origin: "https://evil.example"))?.Status);
    }
}
