using PgArk.Core.Storage.Encryption;

namespace PgArk.Core.Configuration;

/// <summary>A repository's <c>encryption</c> section, validated, with its secret resolved.</summary>
/// <param name="Key">The passphrase or key file; prints as its origin, never its value.</param>
/// <param name="Iterations">
/// PBKDF2-SHA-256 iterations used when the repository's key file is first created (default
/// <see cref="DefaultIterations"/>); an existing repository keeps the count it was created with.
/// </param>
public sealed record EncryptionOptions(EncryptionKeySource Key, int Iterations)
{
    /// <summary>OWASP's 2023 figure for PBKDF2-HMAC-SHA-256; see docs/configuration.md for its cost per command.</summary>
    public const int DefaultIterations = 600_000;

    /// <summary>Below this, a passphrase is too cheap to guess offline.</summary>
    public const int MinimumIterations = 100_000;

    /// <summary>
    /// Most PBKDF2 iterations accepted, in the configuration and in a repository's key envelope: the envelope is repository
    /// content, and a forged count near int.MaxValue would hold a CPU for hours before the key check could fail.
    /// </summary>
    public const int MaximumIterations = 10_000_000;
}
