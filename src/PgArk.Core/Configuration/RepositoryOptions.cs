using PgArk.Core.Codecs;

namespace PgArk.Core.Configuration;

/// <summary>One repository from <c>pgark.yaml</c> (<c>repositories[]</c>), validated.</summary>
/// <param name="Name">Unique name, 1-63 of <c>[A-Za-z0-9_-]</c>; servers refer to the repository by it.</param>
/// <param name="Type">Storage kind. Posix (a folder) or S3 (a bucket).</param>
/// <param name="Path">Absolute folder of a posix repository; "" for S3.</param>
/// <param name="Compression">Compression of every stored file. Default <see cref="CompressionType.Zstd"/>.</param>
/// <param name="CompressionLevel">
/// Codec level. Defaults: zstd 3 (range 1-19), lz4 1 (1-12), gzip 6 (1-9). Always 0 when
/// <paramref name="Compression"/> is <see cref="CompressionType.None"/>.
/// </param>
/// <param name="Retention">What to keep; <see cref="RetentionOptions.KeepAll"/> when not configured.</param>
/// <param name="S3">Bucket and connection of a <see cref="RepositoryType.S3"/> repository; null for the other types.</param>
public sealed record RepositoryOptions(
    string Name,
    RepositoryType Type,
    string Path,
    CompressionType Compression,
    int CompressionLevel,
    RetentionOptions Retention,
    S3RepositoryOptions? S3 = null)
{
    /// <summary>Encryption at rest (AES-256-GCM), or null for a plain repository.</summary>
    public EncryptionOptions? Encryption { get; init; }
}
