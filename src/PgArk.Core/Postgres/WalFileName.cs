using System.Globalization;
using PgArk.Core.Errors;

namespace PgArk.Core.Postgres;

public enum WalFileKind
{
    /// <summary>A complete WAL segment: 24 hex digits (timeline, log id, segment within log).</summary>
    Segment,
    /// <summary>The last, incomplete segment of a timeline at promotion: "&lt;segment&gt;.partial".</summary>
    Partial,
    /// <summary>A timeline history file: "TTTTTTTT.history".</summary>
    History,
    /// <summary>A backup history file: "&lt;segment&gt;.XXXXXXXX.backup".</summary>
    Backup,
}

/// <summary>
/// A validated name of a file that PostgreSQL archives (segment, .partial, .history, .backup). Parsing is strict so
/// that a name can never smuggle a path into the repository.
/// </summary>
public readonly record struct WalFileName
{
    private WalFileName(string name, WalFileKind kind, uint timeline, uint logId, uint segmentInLog)
    {
        Name = name;
        Kind = kind;
        Timeline = timeline;
        LogId = logId;
        SegmentInLog = segmentInLog;
    }

    public string Name { get; }
    public WalFileKind Kind { get; }
    public uint Timeline { get; }

    /// <summary>High 32 bits of the segment's start LSN (the "log" part of the name); 0 for history files.</summary>
    public uint LogId { get; }

    /// <summary>Low part of the name: segment number within the log id; 0 for history files.</summary>
    public uint SegmentInLog { get; }

    /// <summary>The 24-character segment name this file belongs to (null for history files).</summary>
    public string? SegmentName => Kind == WalFileKind.History ? null : Name[..24];

    public static WalFileName Parse(string name)
    {
        if (!TryParse(name, out var parsed))
        {
            throw new UsageException($"'{name}' is not a WAL file name",
                "expected a segment (24 hex digits), '<segment>.partial', 'TTTTTTTT.history' or '<segment>.XXXXXXXX.backup'");
        }
        return parsed;
    }

    public static bool TryParse(string? name, out WalFileName parsed)
    {
        parsed = default;
        if (name is null)
        {
            return false;
        }
        if (name.Length == 16 && name.EndsWith(".history", StringComparison.Ordinal) && IsUpperHex(name.AsSpan(0, 8)))
        {
            parsed = new WalFileName(name, WalFileKind.History, Hex(name, 0), 0, 0);
            return parsed.Timeline != 0;
        }
        if (name.Length < 24 || !IsUpperHex(name.AsSpan(0, 24)))
        {
            return false;
        }
        WalFileKind kind;
        if (name.Length == 24)
        {
            kind = WalFileKind.Segment;
        }
        else if (name.Length == 32 && name.EndsWith(".partial", StringComparison.Ordinal))
        {
            kind = WalFileKind.Partial;
        }
        else if (name.Length == 40 && name[24] == '.' && name.EndsWith(".backup", StringComparison.Ordinal) && IsUpperHex(name.AsSpan(25, 8)))
        {
            kind = WalFileKind.Backup;
        }
        else
        {
            return false;
        }
        parsed = new WalFileName(name, kind, Hex(name, 0), Hex(name, 8), Hex(name, 16));
        return parsed.Timeline != 0;
    }

    /// <summary>The name of the segment on <paramref name="timeline"/> with the given segment number.</summary>
    public static string SegmentFileName(uint timeline, ulong segmentNumber, long walSegmentSize)
    {
        var segmentsPerLog = SegmentsPerLogId(walSegmentSize);
        return string.Create(CultureInfo.InvariantCulture,
            $"{timeline:X8}{segmentNumber / segmentsPerLog:X8}{segmentNumber % segmentsPerLog:X8}");
    }

    /// <summary>The segment containing <paramref name="lsn"/> on <paramref name="timeline"/>.</summary>
    public static string SegmentFileName(uint timeline, Lsn lsn, long walSegmentSize) =>
        SegmentFileName(timeline, lsn.SegmentNumber(walSegmentSize), walSegmentSize);

    /// <summary>Names of the segments <paramref name="firstSegment"/>..<paramref name="lastSegment"/> (inclusive) on a timeline.</summary>
    public static IReadOnlyList<string> SegmentRange(uint timeline, ulong firstSegment, ulong lastSegment, long walSegmentSize)
    {
        var names = new List<string>();
        for (var segment = firstSegment; segment <= lastSegment; segment++)
        {
            names.Add(SegmentFileName(timeline, segment, walSegmentSize));
        }
        return names;
    }

    /// <summary>Absolute segment number (start LSN / segment size) of a segment-type name.</summary>
    public ulong SegmentNumber(long walSegmentSize) => ((ulong)LogId * SegmentsPerLogId(walSegmentSize)) + SegmentInLog;

    public static ulong SegmentsPerLogId(long walSegmentSize) => 0x1_0000_0000UL / (ulong)walSegmentSize;

    public override string ToString() => Name;

    private static uint Hex(string s, int start) => uint.Parse(s.AsSpan(start, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    private static bool IsUpperHex(ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'A' and <= 'F')))
            {
                return false;
            }
        }
        return true;
    }
}
