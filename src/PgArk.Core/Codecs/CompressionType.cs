namespace PgArk.Core.Codecs;

/// <summary>Compression applied to every stored file of a repository.</summary>
public enum CompressionType
{
    None,
    Gzip,
    Zstd,
    Lz4,
}
