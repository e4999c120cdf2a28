using PgArk.Core.Operations;

namespace PgArk.Core.Configuration;

/// <summary>The <c>api</c> section of <c>pgark.yaml</c>: what <c>pgark serve</c> listens on and who may call it.</summary>
/// <param name="Urls">Listen URL (YAML <c>api.urls</c>); null for the default http://127.0.0.1:8001.</param>
/// <param name="Keys">API keys, names unique; only their SHA-256 is stored.</param>
public sealed record ApiOptions(string? Urls, IReadOnlyList<ApiKeyOptions> Keys)
{
    public static ApiOptions None { get; } = new(null, []);
}

/// <param name="Sha256">Lowercase hex SHA-256 of the key's UTF-8 text (64 characters).</param>
public sealed record ApiKeyOptions(string Name, string Sha256, OperationRole Role);
