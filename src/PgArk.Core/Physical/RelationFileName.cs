using System.Globalization;

namespace PgArk.Core.Physical;

public enum RelationFork
{
    Main,
    FreeSpaceMap,
    VisibilityMap,
    Init,
}

/// <summary>
/// A relation data file name inside a database folder: "&lt;relfilenode&gt;[_fsm|_vm|_init][.&lt;segment&gt;]" (segments
/// are 1 GiB = 131072 pages of 8 KiB by default). Only these files hold checksummed pages.
/// </summary>
internal readonly record struct RelationFileName(uint RelFileNode, RelationFork Fork, uint Segment)
{
    public const int PageSize = 8192;
    public const uint PagesPerSegment = 131072;

    /// <summary>Block number, within the whole relation, of page <paramref name="pageInFile"/> of this segment file.</summary>
    public uint BlockNumber(uint pageInFile) => (Segment * PagesPerSegment) + pageInFile;

    public static bool TryParse(string fileName, out RelationFileName relation)
    {
        relation = default;
        var span = fileName.AsSpan();
        uint segment = 0;
        var dot = span.IndexOf('.');
        if (dot >= 0)
        {
            if (!TryDigits(span[(dot + 1)..], out segment))
            {
                return false;
            }
            span = span[..dot];
        }
        var fork = RelationFork.Main;
        var underscore = span.IndexOf('_');
        if (underscore >= 0)
        {
            fork = span[(underscore + 1)..] switch
            {
                "fsm" => RelationFork.FreeSpaceMap,
                "vm" => RelationFork.VisibilityMap,
                "init" => RelationFork.Init,
                _ => (RelationFork)(-1),
            };
            if ((int)fork < 0)
            {
                return false;
            }
            span = span[..underscore];
        }
        if (!TryDigits(span, out var node) || node == 0)
        {
            return false;
        }
        relation = new RelationFileName(node, fork, segment);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<char> span, out uint value)
    {
        value = 0;
        if (span.IsEmpty || span.Length > 10)
        {
            return false;
        }
        foreach (var c in span)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }
        return uint.TryParse(span, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
