using System.Buffers.Binary;
using System.Numerics;

namespace PgArk.Core.Postgres;

/// <summary>
/// The fields of <c>global/pg_control</c> PgArk needs, read from the file. The server rewrites the file in place at every
/// checkpoint, so a read can see half of the old and half of the new content: a copy counts only when its CRC-32C
/// (the struct's last field) matches, and <see cref="ReadAsync"/> re-reads until it does.
/// </summary>
/// <remarks>
/// The leading fields (system identifier, pg_control version, catalog version) have the same offsets in every supported
/// release (13 to 18). The CRC's offset is the struct's size, which differs between releases; it is found as the one
/// 4-byte-aligned offset where the CRC of everything before it is stored, so a new release needs no table here.
/// </remarks>
internal sealed record ControlFile(ulong SystemIdentifier, uint ControlVersion, uint CatalogVersion)
{
    /// <summary>PG_CONTROL_FILE_SIZE: the file is always this long, the struct padded with zeros.</summary>
    public const int FileSize = 8192;

    // sizeof(ControlFileData) is a few hundred bytes in every release; nothing past this can be the CRC.
    private const int LastCrcOffset = 1024;
    private const int FirstCrcOffset = 16;

    /// <summary>Parses a copy of pg_control, or returns null when its CRC does not match (a torn or damaged copy).</summary>
    public static ControlFile? TryParse(ReadOnlySpan<byte> content)
    {
        if (content.Length < FirstCrcOffset + 4)
        {
            return null;
        }
        var crc = 0xFFFFFFFFu;
        var limit = Math.Min(LastCrcOffset, content.Length - 4);
        for (var offset = 0; offset <= limit; offset++)
        {
            if (offset >= FirstCrcOffset && offset % 4 == 0 && (crc ^ 0xFFFFFFFFu) == BinaryPrimitives.ReadUInt32LittleEndian(content[offset..]))
            {
                return new ControlFile(BinaryPrimitives.ReadUInt64LittleEndian(content),
                    BinaryPrimitives.ReadUInt32LittleEndian(content[8..]), BinaryPrimitives.ReadUInt32LittleEndian(content[12..]));
            }
            crc = BitOperations.Crc32C(crc, content[offset]);
        }
        return null;
    }

    /// <summary>
    /// Reads <paramref name="path"/> until a copy with a valid CRC is seen (a checkpoint rewrites it in place), giving up
    /// after <paramref name="timeout"/> with an <see cref="InvalidDataException"/>.
    /// </summary>
    public static async Task<ControlFile> ReadAsync(string path, TimeSpan timeout, CancellationToken cancellationToken) =>
        (await ReadValidCopyAsync(path, timeout, cancellationToken).ConfigureAwait(false)).Parsed;

    /// <summary>
    /// The bytes of a copy of <paramref name="path"/> whose CRC is valid, and what they hold. A backup stores these bytes
    /// rather than whatever a plain read returned: a torn copy would make the restored server refuse to start.
    /// </summary>
    public static async Task<(byte[] Content, ControlFile Parsed)> ReadValidCopyAsync(string path, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            byte[] content;
            try
            {
                content = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            }
            catch (EndOfStreamException)
            {
                content = []; // the file shrank while it was read: a torn copy like any other, read it again
            }
            // PostgreSQL always writes the whole 8 kB file; a shorter read caught a rewrite half-way, even if its CRC holds.
            if (content.Length == FileSize && TryParse(content) is { } parsed)
            {
                return (content, parsed);
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new InvalidDataException($"'{path}' has no valid CRC after re-reading it for {timeout.TotalSeconds:0} s: it " +
                    "is damaged");
            }
            // A checkpoint writes the 8 kB file in one write(); the next read sees a whole copy. Yield, do not spin hard.
            await Task.Yield();
        }
    }
}
