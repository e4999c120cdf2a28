using System.Buffers.Binary;

namespace PgArk.Core.Postgres;

/// <summary>
/// The 24-byte header at the start of every PostgreSQL data page (PageHeaderData in storage/bufpage.h). Fields are
/// read little-endian: pages are stored in the byte order of the server that wrote them, and PgArk runs on
/// little-endian hosts only.
/// </summary>
internal readonly struct PageHeader
{
    /// <summary>Size of the header in bytes.</summary>
    public const int Size = 24;

    /// <summary>Standard PostgreSQL block size (BLCKSZ) in bytes.</summary>
    public const int BlockSize = 8192;

    /// <summary>Blocks in one 1 GiB segment file of a relation (RELSEG_SIZE) at the standard block size.</summary>
    public const uint BlocksPerSegment = 131072;

    /// <summary>Offset of pd_checksum within the page.</summary>
    public const int ChecksumOffset = 8;

    // PD_VALID_FLAG_BITS: PD_HAS_FREE_LINES | PD_PAGE_FULL | PD_ALL_VISIBLE.
    private const ushort ValidFlagBits = 0x0007;

    // MAXALIGN on 64-bit platforms.
    private const int MaxAlign = 8;

    /// <summary>Parses the header from the first <see cref="Size"/> bytes of <paramref name="page"/>.</summary>
    public PageHeader(ReadOnlySpan<byte> page)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(page.Length, Size, nameof(page));
        // pd_lsn is two uint32s, xlogid (high half) first, then xrecoff (low half).
        Lsn = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(page) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(page[4..]);
        Checksum = BinaryPrimitives.ReadUInt16LittleEndian(page[8..]);
        Flags = BinaryPrimitives.ReadUInt16LittleEndian(page[10..]);
        Lower = BinaryPrimitives.ReadUInt16LittleEndian(page[12..]);
        Upper = BinaryPrimitives.ReadUInt16LittleEndian(page[14..]);
        Special = BinaryPrimitives.ReadUInt16LittleEndian(page[16..]);
        PageSizeVersion = BinaryPrimitives.ReadUInt16LittleEndian(page[18..]);
        PruneXid = BinaryPrimitives.ReadUInt32LittleEndian(page[20..]);
    }

    /// <summary>pd_lsn: LSN of the WAL record after the last change to this page.</summary>
    public ulong Lsn { get; }

    /// <summary>pd_checksum: data checksum stored on the page (meaningful only when the cluster has checksums).</summary>
    public ushort Checksum { get; }

    /// <summary>pd_flags.</summary>
    public ushort Flags { get; }

    /// <summary>pd_lower: offset to the start of free space.</summary>
    public ushort Lower { get; }

    /// <summary>pd_upper: offset to the end of free space; 0 on a page that was never initialised.</summary>
    public ushort Upper { get; }

    /// <summary>pd_special: offset to the start of the special space.</summary>
    public ushort Special { get; }

    /// <summary>pd_pagesize_version: page size in the high byte's bits, layout version in the low byte.</summary>
    public ushort PageSizeVersion { get; }

    /// <summary>pd_prune_xid: oldest unpruned XMAX on the page, or zero.</summary>
    public uint PruneXid { get; }

    /// <summary>Page size in bytes recorded in the header (8192 normally; 0 on a new page).</summary>
    public int PageSize => PageSizeVersion & 0xFF00;

    /// <summary>Page layout version (4 since PostgreSQL 8.3).</summary>
    public int LayoutVersion => PageSizeVersion & 0x00FF;

    /// <summary>
    /// True for a page that was never initialised (PageIsNew: pd_upper is 0). Such pages carry no checksum;
    /// PostgreSQL accepts them only when every byte is zero (see <see cref="IsAllZero"/>).
    /// </summary>
    public bool IsNew => Upper == 0;

    /// <summary>
    /// The header sanity checks of PostgreSQL's PageIsVerified: only known flag bits, and
    /// pd_lower ≤ pd_upper ≤ pd_special ≤ <paramref name="pageSize"/> with pd_special MAXALIGNed. Meaningless for a
    /// new page.
    /// </summary>
    public bool IsSane(int pageSize = BlockSize) =>
        (Flags & ~ValidFlagBits) == 0
        && Lower <= Upper
        && Upper <= Special
        && Special <= pageSize
        && Special % MaxAlign == 0;

    /// <summary>True when every byte of <paramref name="page"/> is zero.</summary>
    public static bool IsAllZero(ReadOnlySpan<byte> page) => !page.ContainsAnyExcept((byte)0);
}
