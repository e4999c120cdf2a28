using System.Globalization;
using PgArk.Core.Errors;

namespace PgArk.Core.Postgres;

/// <summary>A WAL location (PostgreSQL's pg_lsn), printed as two hex halves "16/B374D848".</summary>
public readonly record struct Lsn(ulong Value) : IComparable<Lsn>
{
    public static Lsn Zero => default;

    public static Lsn Parse(string text)
    {
        if (!TryParse(text, out var lsn))
        {
            throw new UsageException($"'{text}' is not a valid LSN", "an LSN looks like 0/16B3748 (two hexadecimal numbers separated by '/')");
        }
        return lsn;
    }

    public static bool TryParse(string? text, out Lsn lsn)
    {
        lsn = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == text.Length - 1 || slash > 8 || text.Length - slash - 1 > 8)
        {
            return false;
        }
        if (!uint.TryParse(text.AsSpan(0, slash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var high)
            || !uint.TryParse(text.AsSpan(slash + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var low))
        {
            return false;
        }
        lsn = new Lsn(((ulong)high << 32) | low);
        return true;
    }

    /// <summary>Number of the WAL segment that contains this location.</summary>
    public ulong SegmentNumber(long walSegmentSize) => Value / (ulong)walSegmentSize;

    public int CompareTo(Lsn other) => Value.CompareTo(other.Value);

    public static bool operator <(Lsn left, Lsn right) => left.Value < right.Value;
    public static bool operator >(Lsn left, Lsn right) => left.Value > right.Value;
    public static bool operator <=(Lsn left, Lsn right) => left.Value <= right.Value;
    public static bool operator >=(Lsn left, Lsn right) => left.Value >= right.Value;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Value >> 32:X}/{Value & 0xFFFFFFFF:X}");
}
