using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PgArk.Core.Postgres;

/// <summary>
/// PostgreSQL's data page checksum (storage/checksum_impl.h): 32 interleaved FNV-1a-style hashes over the page read
/// as 32-bit words with pd_checksum taken as zero, folded together with XOR, mixed with the block number and reduced
/// to 1..65535.
/// </summary>
internal static class PageChecksum
{
    // Number of interleaved hashes; part of the algorithm, since changing it changes every checksum.
    private const int SumCount = 32;
    private const uint FnvPrime = 16777619;

    // Bytes covered by one step of all the hashes (one "row" of 32 words).
    private const int RowBytes = SumCount * sizeof(uint);

    private static ReadOnlySpan<uint> BaseOffsets =>
    [
        0x5B1F36E9, 0xB8525960, 0x02AB50AA, 0x1DE66D2A, 0x79FF467A, 0x9BB9F8A3, 0x217E7CD2, 0x83E13D2C,
        0xF8D4474F, 0xE39EB970, 0x42C6AE16, 0x993216FA, 0x7B093B5D, 0x98DAFF3C, 0xF718902A, 0x0B1C9CDB,
        0xE58F764B, 0x187636BC, 0x5D7B3BB1, 0xE73DE7DE, 0x92BEC979, 0xCCA6C0B2, 0x304A0979, 0x85AA43D4,
        0x783125BB, 0x6CA8EAA2, 0xE407EAC6, 0x4B5CFC3E, 0x9FBF8C76, 0x15CA20BE, 0xF2CA9FD3, 0x959BD756,
    ];

    /// <summary>
    /// Computes the checksum PostgreSQL would store in pd_checksum for <paramref name="page"/>. The stored pd_checksum
    /// is ignored (treated as zero), so the page need not be modified.
    /// </summary>
    /// <param name="page">
    /// One whole page: <see cref="PageHeader.BlockSize"/> bytes normally; any multiple of 128 bytes is accepted.
    /// </param>
    /// <param name="blockNumber">
    /// Block number within the whole relation fork, not within the segment file: for block <c>b</c> of segment file
    /// <c>n</c> (the file named <c>relfilenode.n</c>; the first file is segment 0) it is
    /// <c>n * 131072 + b</c> at the standard 8 KiB block size (<see cref="PageHeader.BlocksPerSegment"/>).
    /// </param>
    /// <remarks>
    /// Do not call this for a new page (<see cref="PageHeader.IsNew"/>): those carry no checksum.
    /// The page's 32-bit words are read in host byte order, as PostgreSQL does; PgArk assumes little-endian.
    /// </remarks>
    public static ushort Compute(ReadOnlySpan<byte> page, uint blockNumber)
    {
        ValidatePage(page);
        var words = MemoryMarshal.Cast<byte, uint>(page);
        uint folded;
        if (Vector256.IsHardwareAccelerated)
        {
            folded = Checksum256(words);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            folded = Checksum128(words);
        }
        else
        {
            folded = ChecksumScalar(words);
        }

        return Reduce(folded, blockNumber);
    }

    /// <summary>
    /// Compares the checksum stored on <paramref name="page"/> (<paramref name="expected"/>) with the one computed from
    /// its content (<paramref name="actual"/>). See <see cref="Compute"/> for <paramref name="blockNumber"/>; skip new
    /// pages, which PostgreSQL never checksums.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> page, uint blockNumber, out ushort expected, out ushort actual)
    {
        actual = Compute(page, blockNumber);
        expected = BinaryPrimitives.ReadUInt16LittleEndian(page[PageHeader.ChecksumOffset..]);
        return expected == actual;
    }

    /// <summary>Straightforward one-word-at-a-time version, kept as the reference for the vector paths.</summary>
    internal static ushort ComputeScalar(ReadOnlySpan<byte> page, uint blockNumber)
    {
        ValidatePage(page);
        return Reduce(ChecksumScalar(MemoryMarshal.Cast<byte, uint>(page)), blockNumber);
    }

    private static void ValidatePage(ReadOnlySpan<byte> page)
    {
        if (page.Length < RowBytes || page.Length % RowBytes != 0)
        {
            throw new ArgumentException($"A page must be a non-zero multiple of {RowBytes} bytes, not {page.Length}.", nameof(page));
        }
    }

    // Mixes in the block number (catches pages written to the wrong place) and maps to 1..65535 so 0 never occurs.
    private static ushort Reduce(uint checksum, uint blockNumber) => (ushort)(((checksum ^ blockNumber) % 65535) + 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Mix(uint sum, uint value)
    {
        var tmp = sum ^ value;
        return (tmp * FnvPrime) ^ (tmp >> 17);
    }

    private static uint ChecksumScalar(ReadOnlySpan<uint> words)
    {
        Span<uint> sums = stackalloc uint[SumCount];
        BaseOffsets.CopyTo(sums);
        for (var row = 0; row < words.Length; row += SumCount)
        {
            for (var j = 0; j < SumCount; j++)
            {
                sums[j] = Mix(sums[j], ChecksumExcluded(words, row + j));
            }
        }

        var result = 0u;
        for (var j = 0; j < SumCount; j++)
        {
            // Two extra rounds with zero input for more mixing.
            result ^= Mix(Mix(sums[j], 0), 0);
        }

        return result;
    }

    // pd_checksum is the low 16 bits of word 2 (bytes 8..11, little-endian); it counts as zero.
    private static uint ChecksumExcluded(ReadOnlySpan<uint> words, int index) => index == 2 ? words[2] & 0xFFFF0000u : words[index];

    private static uint Checksum256(ReadOnlySpan<uint> words)
    {
        var offsets = BaseOffsets;
        ref var offsetsStart = ref MemoryMarshal.GetReference(offsets);
        var s0 = Vector256.LoadUnsafe(ref offsetsStart, 0);
        var s1 = Vector256.LoadUnsafe(ref offsetsStart, 8);
        var s2 = Vector256.LoadUnsafe(ref offsetsStart, 16);
        var s3 = Vector256.LoadUnsafe(ref offsetsStart, 24);
        var prime = Vector256.Create(FnvPrime);
        var checksumMask = Vector256.Create(~0u, ~0u, 0xFFFF0000u, ~0u, ~0u, ~0u, ~0u, ~0u);

        ref var start = ref MemoryMarshal.GetReference(words);
        for (nuint row = 0; row < (nuint)words.Length; row += SumCount)
        {
            var w0 = Vector256.LoadUnsafe(ref start, row);
            if (row == 0)
            {
                w0 &= checksumMask;
            }

            s0 = Mix(s0, w0, prime);
            s1 = Mix(s1, Vector256.LoadUnsafe(ref start, row + 8), prime);
            s2 = Mix(s2, Vector256.LoadUnsafe(ref start, row + 16), prime);
            s3 = Mix(s3, Vector256.LoadUnsafe(ref start, row + 24), prime);
        }

        var zero = Vector256<uint>.Zero;
        var folded = Mix(Mix(s0, zero, prime), zero, prime) ^ Mix(Mix(s1, zero, prime), zero, prime)
            ^ Mix(Mix(s2, zero, prime), zero, prime) ^ Mix(Mix(s3, zero, prime), zero, prime);
        return XorLanes(folded.GetLower() ^ folded.GetUpper());
    }

    private static uint Checksum128(ReadOnlySpan<uint> words)
    {
        var offsets = BaseOffsets;
        ref var offsetsStart = ref MemoryMarshal.GetReference(offsets);
        Span<Vector128<uint>> sums = stackalloc Vector128<uint>[SumCount / 4];
        for (var k = 0; k < sums.Length; k++)
        {
            sums[k] = Vector128.LoadUnsafe(ref offsetsStart, (nuint)(k * 4));
        }

        var prime = Vector128.Create(FnvPrime);
        ref var start = ref MemoryMarshal.GetReference(words);
        for (nuint row = 0; row < (nuint)words.Length; row += SumCount)
        {
            for (var k = 0; k < sums.Length; k++)
            {
                var w = Vector128.LoadUnsafe(ref start, row + (nuint)(k * 4));
                if (row == 0 && k == 0)
                {
                    w &= Vector128.Create(~0u, ~0u, 0xFFFF0000u, ~0u);
                }

                sums[k] = Mix(sums[k], w, prime);
            }
        }

        var folded = Vector128<uint>.Zero;
        foreach (var sum in sums)
        {
            folded ^= Mix(Mix(sum, Vector128<uint>.Zero, prime), Vector128<uint>.Zero, prime);
        }

        return XorLanes(folded);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Mix(Vector256<uint> sum, Vector256<uint> value, Vector256<uint> prime)
    {
        var tmp = sum ^ value;
        return (tmp * prime) ^ Vector256.ShiftRightLogical(tmp, 17);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Mix(Vector128<uint> sum, Vector128<uint> value, Vector128<uint> prime)
    {
        var tmp = sum ^ value;
        return (tmp * prime) ^ Vector128.ShiftRightLogical(tmp, 17);
    }

    private static uint XorLanes(Vector128<uint> v) => v.GetElement(0) ^ v.GetElement(1) ^ v.GetElement(2) ^ v.GetElement(3);
}
