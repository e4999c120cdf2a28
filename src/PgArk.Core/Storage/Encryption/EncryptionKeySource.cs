using PgArk.Core.Codecs;

namespace PgArk.Core.Storage.Encryption;

public enum EncryptionKeyKind
{
    /// <summary>A passphrase, stretched with PBKDF2-SHA-256.</summary>
    Passphrase,

    /// <summary>32 random bytes from a file, used as they are.</summary>
    KeyFile,
}

/// <summary>
/// The secret that unlocks an encrypted repository, as resolved from the configuration. <see cref="ToString"/> names
/// where it came from, never the secret, so logging or printing the options is safe.
/// </summary>
public sealed class EncryptionKeySource
{
    private readonly byte[] _secret;

    /// <param name="origin">Where the secret came from, for messages: "environment variable PGARK_PASSPHRASE".</param>
    public EncryptionKeySource(EncryptionKeyKind kind, ReadOnlySpan<byte> secret, string origin)
    {
        if (kind == EncryptionKeyKind.KeyFile && secret.Length != EncryptionFormat.KeySize)
        {
            throw new ArgumentException($"a key file holds {EncryptionFormat.KeySize} bytes", nameof(secret));
        }
        Kind = kind;
        Origin = origin;
        _secret = secret.ToArray();
    }

    public EncryptionKeyKind Kind { get; }

    public string Origin { get; }

    internal ReadOnlySpan<byte> Secret => _secret;

    public override string ToString() => $"{(Kind == EncryptionKeyKind.Passphrase ? "passphrase" : "key file")} from {Origin}";
}
