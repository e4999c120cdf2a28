using System.Buffers.Binary;
using PgArk.Core.Errors;

namespace PgArk.Core.Physical;

/// <summary>
/// The plain (pre-compression) format of a page-level delta, written as the file is read so its final size need not be
/// known in advance:
/// <code>
/// "PGARKDL1" | u32 page size | { u32 block | page size bytes }* | u32 0xFFFFFFFF | u64 new file size
/// </code>
/// Little-endian. Blocks ascend. Applying a delta to the file as it was in the base backup — writing every page at
/// block × page size, then setting the length to the new size — gives the file as this backup read it.
/// </summary>
internal static class PageDelta
{
    public const uint EndMarker = 0xFFFFFFFF;
    private static ReadOnlySpan<byte> Magic => "PGARKDL1"u8;

    public static async Task WriteHeaderAsync(Stream output, int pageSize, CancellationToken cancellationToken)
    {
        var header = new byte[12];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), (uint)pageSize);
        await output.WriteAsync(header, cancellationToken).ConfigureAwait(false);
    }

    public static async Task WritePageAsync(Stream output, uint block, ReadOnlyMemory<byte> page, byte[] scratch, CancellationToken cancellationToken)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(scratch, block);
        await output.WriteAsync(scratch.AsMemory(0, 4), cancellationToken).ConfigureAwait(false);
        await output.WriteAsync(page, cancellationToken).ConfigureAwait(false);
    }

    public static async Task WriteTrailerAsync(Stream output, long newSize, CancellationToken cancellationToken)
    {
        var trailer = new byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, EndMarker);
        BinaryPrimitives.WriteInt64LittleEndian(trailer.AsSpan(4), newSize);
        await output.WriteAsync(trailer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Applies a delta read from <paramref name="input"/> to the file open as <paramref name="target"/>. Returns the pages written.</summary>
    public static async Task<int> ApplyAsync(Stream input, Microsoft.Win32.SafeHandles.SafeFileHandle target, string nameForMessages,
        CancellationToken cancellationToken)
    {
        var header = new byte[12];
        await ReadExactlyAsync(input, header, nameForMessages, cancellationToken).ConfigureAwait(false);
        if (!header.AsSpan(0, 8).SequenceEqual(Magic))
        {
            throw new IntegrityException($"{nameForMessages} is not a page delta (bad magic)");
        }
        var pageSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8));
        if (pageSize is < 512 or > 65536)
        {
            throw new IntegrityException($"{nameForMessages} declares an invalid page size {pageSize}");
        }
        var page = new byte[pageSize];
        var word = new byte[8];
        var pages = 0;
        var previous = -1L;
        while (true)
        {
            await ReadExactlyAsync(input, word.AsMemory(0, 4), nameForMessages, cancellationToken).ConfigureAwait(false);
            var block = BinaryPrimitives.ReadUInt32LittleEndian(word);
            if (block == EndMarker)
            {
                await ReadExactlyAsync(input, word, nameForMessages, cancellationToken).ConfigureAwait(false);
                var newSize = BinaryPrimitives.ReadInt64LittleEndian(word);
                if (newSize < 0 || (pages > 0 && previous * pageSize >= newSize))
                {
                    throw new IntegrityException($"{nameForMessages} declares an invalid file size {newSize}");
                }
                RandomAccess.SetLength(target, newSize);
                if (await input.ReadAsync(word.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) != 0)
                {
                    throw new IntegrityException($"{nameForMessages} has data after its end marker");
                }
                return pages;
            }
            if (block <= previous)
            {
                throw new IntegrityException($"{nameForMessages} lists block {block} out of order");
            }
            await ReadExactlyAsync(input, page, nameForMessages, cancellationToken).ConfigureAwait(false);
            await RandomAccess.WriteAsync(target, page, (long)block * pageSize, cancellationToken).ConfigureAwait(false);
            previous = block;
            pages++;
        }
    }

    private static async Task ReadExactlyAsync(Stream input, Memory<byte> buffer, string nameForMessages, CancellationToken cancellationToken)
    {
        try
        {
            await input.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            throw new IntegrityException($"{nameForMessages} is truncated");
        }
    }
}
