using System.Security.Cryptography;
using System.Text;
using PgArk.Core.Configuration;

namespace PgArk.Server.Auth;

/// <summary>API keys: creation, hashing (only the SHA-256 is stored) and constant-time lookup of a bearer token.</summary>
public static class ApiKeys
{
    private const string Prefix = "pgark_";

    /// <summary>A new random key (256 bits, URL-safe) and its SHA-256 as lowercase hex.</summary>
    public static (string Key, string Sha256) Create()
    {
        var key = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (key, Hash(key));
    }

    /// <summary>Key names follow the rule for server names (they are written into pgark.yaml).</summary>
    public static void ValidateName(string name)
    {
        if (name.Length is < 1 or > 63 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            throw new Core.Errors.UsageException($"'{name}' is not a valid key name (use 1-63 letters, digits, '_' or '-')");
        }
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The configured key whose hash matches <paramref name="token"/>, or null. Compares every key in constant time.</summary>
    public static ApiKeyOptions? Find(IReadOnlyList<ApiKeyOptions> keys, string token)
    {
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        ApiKeyOptions? match = null;
        foreach (var key in keys)
        {
            var stored = Convert.FromHexString(key.Sha256);
            if (CryptographicOperations.FixedTimeEquals(presented, stored))
            {
                match ??= key;
            }
        }
        return match;
    }
}
