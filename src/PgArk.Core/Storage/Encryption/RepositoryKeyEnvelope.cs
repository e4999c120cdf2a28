using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json.Serialization.Metadata;
using PgArk.Core.Codecs;
using PgArk.Core.Common;
using PgArk.Core.Errors;

namespace PgArk.Core.Storage.Encryption;

/// <summary>
/// <c>pgark-encryption.json</c>, the one plain file of an encrypted repository: the random data key that encrypts every
/// file, wrapped (AES-256-GCM) under a key-encryption key derived from the passphrase or taken from the key file.
/// Unwrapping doubles as the key check: a wrong passphrase fails it before anything is read or written. Changing the
/// passphrase only means re-wrapping this one key.
/// </summary>
internal sealed record RepositoryKeyEnvelope : IJsonFile<RepositoryKeyEnvelope>
{
    static JsonTypeInfo<RepositoryKeyEnvelope> IJsonFile<RepositoryKeyEnvelope>.JsonInfo => EncryptionJsonContext.Default.RepositoryKeyEnvelope;

    public const int CurrentFormat = 1;
    public const string Pbkdf2Sha256 = "pbkdf2-sha256";
    public const string NoDerivation = "none";

    public int Format { get; init; } = CurrentFormat;
    public string Cipher { get; init; } = "aes-256-gcm";
    public int ChunkSize { get; init; } = EncryptionFormat.DefaultChunkSize;

    /// <summary>"passphrase" or "keyFile": which kind of secret wraps the data key.</summary>
    public string KeySource { get; init; } = "passphrase";

    /// <summary><see cref="Pbkdf2Sha256"/> for a passphrase, <see cref="NoDerivation"/> for a key file.</summary>
    public string Kdf { get; init; } = Pbkdf2Sha256;

    public int Iterations { get; init; }

    /// <summary>Random per-repository salt (base64, 32 bytes).</summary>
    public string Salt { get; init; } = "";

    /// <summary>base64 of nonce (12) | wrapped data key (32) | tag (16).</summary>
    public string WrappedKey { get; init; } = "";

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>
    /// The oldest <see cref="EncryptionFormat"/> version a file of this repository may have. Absent from envelopes
    /// written before format 2 (those repositories hold format-1 files, which stay readable); a repository created since
    /// refuses format-1 files, so a forged one cannot use the path-less format to pass for a file moved elsewhere.
    /// Bound into the wrapped key's associated data: removing it breaks the key check.
    /// </summary>
    public int? MinimumFileFormat { get; init; }

    private static ReadOnlySpan<byte> WrapContext => "pgark repository key v1"u8;

    /// <summary>A new envelope around a fresh random data key, which is returned too.</summary>
    public static (RepositoryKeyEnvelope Envelope, byte[] DataKey) Create(EncryptionKeySource source, int iterations)
    {
        var salt = RandomNumberGenerator.GetBytes(32);
        var envelope = new RepositoryKeyEnvelope
        {
            KeySource = source.Kind == EncryptionKeyKind.Passphrase ? "passphrase" : "keyFile",
            Kdf = source.Kind == EncryptionKeyKind.Passphrase ? Pbkdf2Sha256 : NoDerivation,
            Iterations = source.Kind == EncryptionKeyKind.Passphrase ? iterations : 0,
            Salt = Convert.ToBase64String(salt),
            CreatedAt = DateTimeOffset.UtcNow,
            MinimumFileFormat = EncryptionFormat.Version,
        };
        var dataKey = RandomNumberGenerator.GetBytes(EncryptionFormat.KeySize);
        var kek = envelope.DeriveWrappingKey(source);
        try
        {
            var wrapped = new byte[EncryptionFormat.NonceSize + EncryptionFormat.KeySize + EncryptionFormat.TagSize];
            RandomNumberGenerator.Fill(wrapped.AsSpan(0, EncryptionFormat.NonceSize));
            using var aes = new AesGcm(kek, EncryptionFormat.TagSize);
            aes.Encrypt(wrapped.AsSpan(0, EncryptionFormat.NonceSize), dataKey,
                wrapped.AsSpan(EncryptionFormat.NonceSize, EncryptionFormat.KeySize),
                wrapped.AsSpan(EncryptionFormat.NonceSize + EncryptionFormat.KeySize), envelope.AssociatedData(salt));
            return (envelope with { WrappedKey = Convert.ToBase64String(wrapped) }, dataKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    /// <summary>
    /// The data key. Throws <see cref="IntegrityException"/> (exit 5) when the secret is wrong, and
    /// <see cref="ConfigurationException"/> when the configured kind of secret is not the one the repository uses.
    /// </summary>
    /// <param name="repository">Repository name and location, for messages.</param>
    public byte[] Unwrap(EncryptionKeySource source, string repository)
    {
        Validate(repository);
        var expected = source.Kind == EncryptionKeyKind.Passphrase ? "passphrase" : "keyFile";
        if (KeySource != expected)
        {
            throw new ConfigurationException(
                $"encrypted repository {repository} is locked with a {(KeySource == "keyFile" ? "key file" : "passphrase")}, but the configuration gives a {source}",
                KeySource == "keyFile" ? "configure encryption: { keyFile: PATH }" : "configure encryption: { passphraseEnv: NAME } or { passphraseFile: PATH }");
        }
        var wrapped = Convert.FromBase64String(WrappedKey);
        var kek = DeriveWrappingKey(source);
        var dataKey = new byte[EncryptionFormat.KeySize];
        try
        {
            using var aes = new AesGcm(kek, EncryptionFormat.TagSize);
            aes.Decrypt(wrapped.AsSpan(0, EncryptionFormat.NonceSize), wrapped.AsSpan(EncryptionFormat.NonceSize, EncryptionFormat.KeySize),
                wrapped.AsSpan(EncryptionFormat.NonceSize + EncryptionFormat.KeySize), dataKey, AssociatedData(Convert.FromBase64String(Salt)));
            return dataKey;
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new IntegrityException(
                $"wrong {(source.Kind == EncryptionKeyKind.Passphrase ? "passphrase" : "key file")} for encrypted repository {repository}: the key check failed",
                $"check the {source}; nothing was read or written");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    private void Validate(string repository)
    {
        if (Format > CurrentFormat || MinimumFileFormat > EncryptionFormat.Version)
        {
            throw new RefusedException($"encrypted repository {repository} has key format {Format}, newer than this pgark understands", "upgrade pgark");
        }
        var valid = Format == CurrentFormat && Cipher == "aes-256-gcm"
            && ((KeySource == "passphrase" && Kdf == Pbkdf2Sha256 && Iterations is > 0 and <= Configuration.EncryptionOptions.MaximumIterations) || (KeySource == "keyFile" && Kdf == NoDerivation))
            && MinimumFileFormat is null or EncryptionFormat.Version
            && TryLength(Salt) == 32 && TryLength(WrappedKey) == EncryptionFormat.NonceSize + EncryptionFormat.KeySize + EncryptionFormat.TagSize;
        if (!valid)
        {
            throw new IntegrityException($"the key file {RepositoryKeyStore.EnvelopeFile} of encrypted repository {repository} is damaged");
        }
    }

    private static int TryLength(string base64)
    {
        var buffer = new byte[64];
        return Convert.TryFromBase64String(base64, buffer, out var written) ? written : -1;
    }

    private byte[] DeriveWrappingKey(EncryptionKeySource source) => source.Kind == EncryptionKeyKind.Passphrase
        ? Rfc2898DeriveBytes.Pbkdf2(source.Secret, Convert.FromBase64String(Salt), Iterations, HashAlgorithmName.SHA256, EncryptionFormat.KeySize)
        : source.Secret.ToArray();

    // Binds the wrapped key to this envelope's salt, derivation and minimum file format, so none can be swapped for a
    // weaker one. Envelopes without a minimum keep the associated data they were wrapped with.
    private byte[] AssociatedData(byte[] salt)
    {
        var iterations = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(iterations, Iterations);
        byte[] minimum = MinimumFileFormat is { } format ? [.. "file format "u8, (byte)format] : [];
        return [.. WrapContext, .. salt, .. iterations, .. System.Text.Encoding.ASCII.GetBytes(Kdf), .. minimum];
    }
}
