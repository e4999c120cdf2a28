using System.Buffers.Binary;
using System.Security.Cryptography;
using PgArk.Core.Errors;

namespace PgArk.Core.Codecs;

/// <summary>
/// Layout of an encrypted repository file (docs/repository-format.md, "Encrypted files", format 1):
/// a 48-byte header, then the content in chunks, each AES-256-GCM encrypted under a key of its own file and followed
/// by its 16-byte tag. Every chunk but the last holds exactly the chunk size; the last holds 0 to chunk-size bytes,
/// so an empty file is a header and one empty final chunk.
/// <list type="bullet">
/// <item>File key: HKDF-SHA-256 of the repository data key with the header's random 32-byte salt: no key is ever used
/// for two files, so the nonce can simply count chunks.</item>
/// <item>Nonce: 4 zero bytes and the chunk index (big-endian u64).</item>
/// <item>Associated data: the whole header, the chunk index and a final-chunk flag, so that changing the header,
/// reordering or dropping chunks, cutting the file at a chunk boundary or splicing chunks of another file all fail
/// authentication.</item>
/// </list>
/// </summary>
public static class EncryptionFormat
{
    public const int HeaderSize = 48;
    public const int TagSize = 16;
    public const int KeySize = 32;
    public const byte Version = 1;
    public const int DefaultChunkSize = 64 * 1024;

    internal const int MinChunkSizeLog2 = 12;
    internal const int MaxChunkSizeLog2 = 24;
    internal const int NonceSize = 12;
    internal const int AssociatedDataSize = HeaderSize + 8 + 1;

    private const int SaltOffset = 16;
    private const int SaltSize = 32;
    private const byte AlgorithmAesGcmHkdf = 1;

    /// <summary>"PGARKENC": lets a reader tell an encrypted file from a plain one at a glance.</summary>
    private static ReadOnlySpan<byte> Magic => "PGARKENC"u8;

    private static ReadOnlySpan<byte> FileKeyInfo => "pgark file key v1"u8;

    /// <summary>Writes a header with a fresh random salt for a file of <paramref name="chunkSize"/>-byte chunks.</summary>
    internal static void WriteHeader(Span<byte> header, int chunkSize)
    {
        if (!int.IsPow2(chunkSize) || int.Log2(chunkSize) is < MinChunkSizeLog2 or > MaxChunkSizeLog2)
        {
            throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "a power of two from 4 KiB to 16 MiB");
        }
        header.Clear();
        Magic.CopyTo(header);
        header[8] = Version;
        header[9] = AlgorithmAesGcmHkdf;
        header[10] = (byte)int.Log2(chunkSize);
        RandomNumberGenerator.Fill(header.Slice(SaltOffset, SaltSize));
    }

    /// <summary>Checks a header and returns its chunk size. <paramref name="file"/> names the file in messages.</summary>
    internal static int ReadHeader(ReadOnlySpan<byte> header, string file)
    {
        if (header.Length < HeaderSize || !header[..8].SequenceEqual(Magic))
        {
            throw new IntegrityException($"repository file '{file}' is not encrypted by pgark (no encryption header)",
                "the repository is configured for encryption, so every file in it must be encrypted");
        }
        if (header[8] != Version || header[9] != AlgorithmAesGcmHkdf)
        {
            throw new IntegrityException($"repository file '{file}' has encryption format {header[8]}.{header[9]}, which this pgark does not read",
                "upgrade pgark, or the header was altered");
        }
        var log2 = header[10];
        if (log2 is < MinChunkSizeLog2 or > MaxChunkSizeLog2 || header[11] != 0 || BinaryPrimitives.ReadUInt32LittleEndian(header[12..]) != 0)
        {
            throw new IntegrityException($"repository file '{file}' has a damaged encryption header");
        }
        return 1 << log2;
    }

    /// <summary>True when the bytes cannot be the start of an encrypted file (so "not encrypted" is the better message than "truncated").</summary>
    internal static bool StartsLikePlainFile(ReadOnlySpan<byte> start)
    {
        var compared = Math.Min(start.Length, Magic.Length);
        return compared > 0 && !start[..compared].SequenceEqual(Magic[..compared]);
    }

    /// <summary>Derives the key of one file from the repository data key and the file's header.</summary>
    internal static void DeriveFileKey(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> header, Span<byte> fileKey) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey, fileKey, header.Slice(SaltOffset, SaltSize), FileKeyInfo);

    /// <summary>Fills the nonce and associated data of chunk <paramref name="index"/>; the header is already in place in <paramref name="associatedData"/>.</summary>
    internal static void PrepareChunk(long index, bool final, Span<byte> nonce, Span<byte> associatedData)
    {
        nonce[..4].Clear();
        BinaryPrimitives.WriteInt64BigEndian(nonce[4..], index);
        BinaryPrimitives.WriteInt64BigEndian(associatedData.Slice(HeaderSize, 8), index);
        associatedData[HeaderSize + 8] = final ? (byte)1 : (byte)0;
    }
}
