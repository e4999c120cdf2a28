using System.Net;
using Microsoft.Extensions.Logging;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Registry;

namespace PgArk.Server.Api;

/// <summary>How <c>pgark serve</c> runs.</summary>
/// <param name="Url">Listen URL; port 0 picks a free port (tests).</param>
/// <param name="NoAuth">Accept calls without an API key (loopback only).</param>
/// <param name="AllowRemote">Allow a non-loopback listen address.</param>
public sealed record ApiHostOptions(OperationContext Context, string Url, bool NoAuth = false, bool AllowRemote = false,
    ILoggerFactory? LoggerFactory = null, OperationRegistry? Registry = null)
{
    public const string DefaultUrl = "http://127.0.0.1:8001";

    /// <summary>Largest request body accepted (413 above).</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    /// <summary>The entries of <see cref="Url"/> (Kestrel takes several separated by ';').</summary>
    public IReadOnlyList<string> Urls => Url.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Refuses unsafe combinations before anything listens; every listen URL is checked, not just the first.</summary>
    public void Validate()
    {
        if (Urls.Count == 0)
        {
            throw new UsageException("no listen URL given");
        }
        foreach (var url in Urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new UsageException($"'{url}' is not an http:// or https:// URL");
            }
            if (!IsLoopback(uri.Host) && !AllowRemote)
            {
                throw new RefusedException($"refusing to listen on non-loopback address '{uri.Host}'",
                    "pass --allow-remote to accept connections from other hosts (and put TLS in front)");
            }
        }
        var keys = Context.Options.Api?.Keys ?? [];
        if (keys.Count == 0 && !NoAuth)
        {
            throw new RefusedException("no API keys are configured: every call would be refused",
                "create one with 'pgark key create --name NAME --role operator' and add it under api.keys, or pass --no-auth (loopback only)");
        }
        if (NoAuth && Urls.FirstOrDefault(url => !IsLoopback(new Uri(url).Host)) is { } remote)
        {
            throw new RefusedException($"--no-auth is allowed only on a loopback address ('{remote}' is not one)");
        }
    }

    public static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
