using System.Globalization;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;

namespace PgArk.Core.Restore;

public enum RestoreTargetKind
{
    /// <summary>Replay all archived WAL (recovery_target unset).</summary>
    Latest,
    /// <summary>Stop as soon as the backup is consistent (recovery_target = 'immediate').</summary>
    Immediate,
    Time,
    Lsn,
    Xid,
    Name,
}

/// <summary>Where recovery should stop. Built only through the factory methods, which validate the value.</summary>
public sealed record RestoreTarget
{
    private RestoreTarget(RestoreTargetKind kind) => Kind = kind;

    public RestoreTargetKind Kind { get; }
    public DateTimeOffset? Time { get; private init; }
    public Lsn? Lsn { get; private init; }
    public ulong? Xid { get; private init; }
    public string? Name { get; private init; }

    public static RestoreTarget Latest { get; } = new(RestoreTargetKind.Latest);
    public static RestoreTarget Immediate { get; } = new(RestoreTargetKind.Immediate);

    public static RestoreTarget AtTime(DateTimeOffset time) => new(RestoreTargetKind.Time) { Time = time };
    public static RestoreTarget AtLsn(Lsn lsn) => new(RestoreTargetKind.Lsn) { Lsn = lsn };
    public static RestoreTarget AtXid(ulong xid) => new(RestoreTargetKind.Xid) { Xid = xid };

    public static RestoreTarget AtName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 63)
        {
            throw new UsageException($"'{name}' is not a valid restore point name", "restore point names are 1 to 63 characters");
        }
        return new RestoreTarget(RestoreTargetKind.Name) { Name = name };
    }

    /// <summary>
    /// Parses a target time. Accepts ISO 8601 ("2026-11-21T10:30:00Z", "2026-11-21 10:30:00.123+02:00") and PostgreSQL's
    /// own output ("2026-11-21 10:30:00.123456+00"). A time without a zone is taken as UTC (and said so in the plan).
    /// </summary>
    public static DateTimeOffset ParseTime(string text)
    {
        var trimmed = text.Trim();
        // PostgreSQL prints zones as "+02" without minutes; .NET wants "+02:00".
        if (trimmed.Length > 3 && (trimmed[^3] == '+' || trimmed[^3] == '-') && char.IsAsciiDigit(trimmed[^1]) && char.IsAsciiDigit(trimmed[^2]))
        {
            trimmed += ":00";
        }
        if (DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var parsed)
            && trimmed.Length >= 10 && char.IsAsciiDigit(trimmed[0]))
        {
            return parsed;
        }
        throw new UsageException($"'{text}' is not a valid timestamp",
            "use ISO 8601, e.g. 2026-11-21T10:30:00Z or '2026-11-21 10:30:00+01:00'");
    }

    public static ulong ParseXid(string text) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var xid) && xid >= 3
            ? xid
            : throw new UsageException($"'{text}' is not a valid transaction id", "a transaction id is a positive integer (normal xids start at 3)");

    public override string ToString() => Kind switch
    {
        RestoreTargetKind.Latest => "latest (end of archived WAL)",
        RestoreTargetKind.Immediate => "immediate (end of the backup)",
        RestoreTargetKind.Time => $"time {Time!.Value.UtcDateTime:yyyy-MM-dd HH:mm:ss.ffffff} UTC",
        RestoreTargetKind.Lsn => $"LSN {Lsn}",
        RestoreTargetKind.Xid => $"xid {Xid}",
        RestoreTargetKind.Name => $"restore point '{Name}'",
        _ => Kind.ToString(),
    };
}
