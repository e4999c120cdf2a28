using System.Buffers.Binary;
using System.Security.Cryptography;
using PgArk.Core.Errors;

namespace PgArk.Core.Codecs;

/// <summary>
/// Layout of an encrypted repository file (docs/repository-format.md, "Encrypted files"): a 48-byte header, then the
/// content in chunks, each AES-256-GCM encrypted under a key of its own file and followed by its 16-byte tag. Every
/// chunk but the last holds exactly the chunk size; the last holds 0 to chunk-size bytes, so an empty file is a header
/// and one empty final chunk.
/// <list type="bullet">
/// <item>File key: HKDF-SHA-256 of the repository data key with the header's random 32-byte salt: no key is ever used
/// for two files, so the nonce can simply count chunks.</item>
/// <item>Nonce: 4 zero bytes and the chunk index (big-endian u64).</item>
/// <item>Associated data: the whole header, (format 2) the SHA-256 of the file's repository path, the chunk index and a
/// final-chunk flag, so that changing the header, reordering or dropping chunks, cutting the file at a chunk boundary,
/// splicing chunks of another file, or (format 2) moving the file to another path all fail authentication.</item>
/// </list>
/// Format 2 is written; format 1 (without the path) is still read, so repositories written before it stay readable.
/// </summary>
internal static class EncryptionFormat
{
    public const int HeaderSize = 48;
    public const int TagSize = 16;
    public const int KeySize = 32;
    /// <summary>The format written: the repository path is in the associated data.</summary>
    public const byte Version = 2;

    /// <summary>The first format, still read: its associated data has no path, so a moved file went unnoticed.</summary>
    public const byte UnboundVersion = 1;
    public const int DefaultChunkSize = 64 * 1024;

    internal const int MinChunkSizeLog2 = 12;
    internal const int MaxChunkSizeLog2 = 24;
    internal const int NonceSize = 12;
    internal const int PathDigestSize = 32;

    /// <summary>Room for the longest associated data (format 2); format 1 uses the first <see cref="AssociatedDataLength"/> bytes.</summary>
    internal const int AssociatedDataSize = HeaderSize + PathDigestSize + 8 + 1;

    private const int SaltOffset = 16;
    private const int SaltSize = 32;
    private const byte AlgorithmAesGcmHkdf = 1;

    /// <summary>"PGARKENC": lets a reader tell an encrypted file from a plain one at a glance.</summary>
    private static ReadOnlySpan<byte> Magic => "PGARKENC"u8;

    private static ReadOnlySpan<byte> FileKeyInfo => "pgark file key v1"u8;

    // A key of its own per format version, so no (key, nonce) pair can ever serve both layouts of associated data.
    private static ReadOnlySpan<byte> FileKeyInfoV2 => "pgark file key v2"u8;

    private static ReadOnlySpan<byte> PathContext => "pgark repository path\0"u8;

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
        if (header[8] is not (Version or UnboundVersion) || header[9] != AlgorithmAesGcmHkdf)
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

    /// <summary>Derives the key of one file from the repository data key and the file's (already checked) header.</summary>
    internal static void DeriveFileKey(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> header, Span<byte> fileKey) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey, fileKey, header.Slice(SaltOffset, SaltSize),
            header[8] == UnboundVersion ? FileKeyInfo : FileKeyInfoV2);

    /// <summary>How many bytes of associated data a file of the (already checked) <paramref name="header"/> uses.</summary>
    internal static int AssociatedDataLength(ReadOnlySpan<byte> header) =>
        header[8] == UnboundVersion ? HeaderSize + 8 + 1 : AssociatedDataSize;

    /// <summary>
    /// Puts the header and, for format 2, the digest of <paramref name="path"/> (the file's key relative to the
    /// repository root, the one it is written under and read from) in front of <paramref name="associatedData"/>;
    /// returns the length the chunks use.
    /// </summary>
    internal static int BeginAssociatedData(ReadOnlySpan<byte> header, string path, Span<byte> associatedData)
    {
        header[..HeaderSize].CopyTo(associatedData);
        if (header[8] == UnboundVersion)
        {
            return AssociatedDataLength(header);
        }
        var bytes = new byte[PathContext.Length + System.Text.Encoding.UTF8.GetByteCount(path)];
        PathContext.CopyTo(bytes);
        System.Text.Encoding.UTF8.GetBytes(path, bytes.AsSpan(PathContext.Length));
        SHA256.HashData(bytes, associatedData.Slice(HeaderSize, PathDigestSize));
        return AssociatedDataSize;
    }

    /// <summary>Fills the nonce and the last 9 bytes of the associated data (which <see cref="BeginAssociatedData"/> started) for chunk <paramref name="index"/>.</summary>
    internal static void PrepareChunk(long index, bool final, Span<byte> nonce, Span<byte> associatedData)
    {
        nonce[..4].Clear();
        BinaryPrimitives.WriteInt64BigEndian(nonce[4..], index);
        BinaryPrimitives.WriteInt64BigEndian(associatedData.Slice(associatedData.Length - 9, 8), index);
        associatedData[^1] = final ? (byte)1 : (byte)0;
    }
}
