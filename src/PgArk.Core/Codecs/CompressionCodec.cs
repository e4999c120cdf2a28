using PgArk.Core.Errors;

namespace PgArk.Core.Codecs;

/// <summary>
/// Opens compressing and decompressing streams for a <see cref="CompressionType"/>. zstd and lz4 use the system
/// libraries (libzstd.so.1, liblz4.so.1) and write standard frames that the <c>zstd</c> and <c>lz4</c> tools read;
/// gzip is written with <see cref="System.IO.Compression.GZipStream"/> and read with the system zlib (libz.so.1).
/// </summary>
internal static class CompressionCodec
{
    /// <summary>
    /// Returns a write-only stream that compresses into <paramref name="output"/>. Disposing it (sync or async) ends the
    /// frame and flushes it to <paramref name="output"/>, then disposes <paramref name="output"/> unless
    /// <paramref name="leaveOpen"/>. <paramref name="level"/> must lie in <see cref="LevelRange"/>; it is ignored for
    /// <see cref="CompressionType.None"/>.
    /// </summary>
    public static Stream OpenCompress(CompressionType type, Stream output, int level, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (type != CompressionType.None)
        {
            var (min, max) = LevelRange(type);
            ArgumentOutOfRangeException.ThrowIfLessThan(level, min);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(level, max);
        }

        return type switch
        {
            CompressionType.None => new ForwardingStream(output, leaveOpen),
            CompressionType.Gzip => new GzipEncoderStream(output, level, leaveOpen),
            CompressionType.Zstd => LoadNative(type, () => new ZstdEncoderStream(output, level, leaveOpen)),
            CompressionType.Lz4 => LoadNative(type, () => new Lz4EncoderStream(output, level, leaveOpen)),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
        };
    }

    /// <summary>
    /// Returns a read-only stream that decompresses <paramref name="input"/> (concatenated frames are read in turn) and
    /// returns 0 at the end. Corrupt or truncated input throws <see cref="IntegrityException"/>.
    /// </summary>
    public static Stream OpenDecompress(CompressionType type, Stream input, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(input);
        return type switch
        {
            CompressionType.None => new ForwardingStream(input, leaveOpen),
            CompressionType.Gzip => LoadNative(type, () => new GzipDecoderStream(input, leaveOpen)),
            CompressionType.Zstd => LoadNative(type, () => new ZstdDecoderStream(input, leaveOpen)),
            CompressionType.Lz4 => LoadNative(type, () => new Lz4DecoderStream(input, leaveOpen)),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
        };
    }

    /// <summary>File-name suffix of a stored file, including the dot: ".zst", ".lz4", ".gz", or "" for none.</summary>
    public static string FileExtension(CompressionType type) => type switch
    {
        CompressionType.None => "",
        CompressionType.Gzip => ".gz",
        CompressionType.Zstd => ".zst",
        CompressionType.Lz4 => ".lz4",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>Level used when none is configured: zstd 3, lz4 1, gzip 6 (0 for none).</summary>
    public static int DefaultLevel(CompressionType type) => type switch
    {
        CompressionType.None => 0,
        CompressionType.Gzip => 6,
        CompressionType.Zstd => 3,
        CompressionType.Lz4 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>
    /// Accepted levels, inclusive: gzip 0–9, zstd 1–19, lz4 1–12 (3 and up is lz4's slower high-compression mode).
    /// </summary>
    public static (int Min, int Max) LevelRange(CompressionType type) => type switch
    {
        CompressionType.None => (0, 0),
        CompressionType.Gzip => (0, 9),
        CompressionType.Zstd => (1, 19),
        CompressionType.Lz4 => (1, 12),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>
    /// Parses a configured name, case-insensitively: "none", "gzip"/"gz", "zstd"/"zst", "lz4". Throws
    /// <see cref="UsageException"/> for anything else.
    /// </summary>
    public static CompressionType Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "none" => CompressionType.None,
            "gzip" or "gz" => CompressionType.Gzip,
            "zstd" or "zst" => CompressionType.Zstd,
            "lz4" => CompressionType.Lz4,
            _ => throw new UsageException(
                $"unknown compression type '{name}'", "valid compression types are none, gzip, zstd and lz4"),
        };
    }

    private static Stream LoadNative(CompressionType type, Func<Stream> open)
    {
        try
        {
            return open();
        }
        catch (DllNotFoundException ex)
        {
            var (library, package) = type switch
            {
                CompressionType.Zstd => ("libzstd.so.1", "libzstd1"),
                CompressionType.Lz4 => ("liblz4.so.1", "liblz4-1"),
                _ => ("libz.so.1", "zlib1g"),
            };
            throw new OperationFailedException(
                $"unable to use {type.ToString().ToLowerInvariant()} compression: {library} could not be loaded",
                $"install the {package} package",
                ex);
        }
    }
}
