using PgArk.Core.Operations;

namespace PgArk.Core.Configuration;

/// <summary>The <c>api</c> section of <c>pgark.yaml</c>: what <c>pgark serve</c> listens on and who may call it.</summary>
/// <param name="Urls">Listen URLs (YAML <c>api.urls</c>, several separated by ';'); null for the default http://127.0.0.1:8001.</param>
/// <param name="Keys">API keys, names unique; only their SHA-256 is stored.</param>
public sealed record ApiOptions(string? Urls, IReadOnlyList<ApiKeyOptions> Keys)
{
    public static ApiOptions None { get; } = new(null, []);

    /// <summary>
    /// Browser origins (<c>scheme://host[:port]</c>, lowercase, no trailing slash) allowed to call the API (YAML
    /// <c>api.allowedOrigins</c>). A request carrying any other <c>Origin</c> header is refused: browsers send it on
    /// cross-site requests, so an unlisted web page cannot drive the service.
    /// </summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>
    /// Host names (no port, lowercase) clients may put in the <c>Host</c> header besides the listen URLs' own hosts, IP
    /// literals and <c>localhost</c> (YAML <c>api.allowedHosts</c>). Anything else is refused (DNS rebinding).
    /// </summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];
}

/// <param name="Sha256">Lowercase hex SHA-256 of the key's UTF-8 text (64 characters).</param>
public sealed record ApiKeyOptions(string Name, string Sha256, OperationRole Role);
