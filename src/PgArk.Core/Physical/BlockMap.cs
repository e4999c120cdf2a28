using System.Security.Cryptography;

namespace PgArk.Core.Physical;

/// <summary>
/// A relation file's per-page fingerprints: for every 8 KiB page, the first 8 bytes of the page's SHA-256 (a partial
/// last page is hashed padded with zeros). Recorded in the manifest as base64 when page LSNs cannot tell which pages
/// changed (no data checksums and <c>wal_log_hints = off</c>: hint bits change pages without WAL). The next backup
/// compares each page's fingerprint with the parent's to decide what a page delta holds. A collision could only drop
/// a changed page from a delta; restore and verify would then refuse the file on its whole-file SHA-256, never
/// restore it wrong.
/// </summary>
internal sealed class BlockMap
{
    public const int EntrySize = 8;
    private readonly byte[] _entries;

    private BlockMap(byte[] entries) => _entries = entries;

    public int Pages => _entries.Length / EntrySize;

    /// <summary>Reads a map from its manifest form; null when the text is not a whole number of entries in base64.</summary>
    public static BlockMap? Parse(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var bytes = new byte[text.Length / 4 * 3 + 3];
        if (!Convert.TryFromBase64String(text, bytes, out var length) || length % EntrySize != 0)
        {
            return null;
        }
        return new BlockMap(bytes[..length]);
    }

    /// <summary>True when page <paramref name="block"/> has the same fingerprint as in this map.</summary>
    public bool SamePage(long block, ReadOnlySpan<byte> page)
    {
        if (block >= Pages)
        {
            return false;
        }
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(page, hash);
        return hash[..EntrySize].SequenceEqual(_entries.AsSpan((int)(block * EntrySize), EntrySize));
    }

    /// <summary>Builds the map of a file from its content, fed in order in page-aligned chunks.</summary>
#pragma warning disable CA1001 // a MemoryStream holds no unmanaged resource; its buffer is read by ToBase64 after the last Append
    public sealed class Builder
#pragma warning restore CA1001
    {
        private readonly MemoryStream _entries = new();
        private readonly byte[] _padded = new byte[RelationFileName.PageSize];

        public void Append(ReadOnlySpan<byte> data)
        {
            Span<byte> hash = stackalloc byte[32];
            for (var at = 0; at < data.Length; at += RelationFileName.PageSize)
            {
                var length = Math.Min(RelationFileName.PageSize, data.Length - at);
                var page = data.Slice(at, length);
                if (length < RelationFileName.PageSize)
                {
                    page.CopyTo(_padded);
                    Array.Clear(_padded, length, _padded.Length - length);
                    page = _padded;
                }
                SHA256.HashData(page, hash);
                _entries.Write(hash[..EntrySize]);
            }
        }

        public string ToBase64() => Convert.ToBase64String(_entries.GetBuffer(), 0, (int)_entries.Length);
    }
}
