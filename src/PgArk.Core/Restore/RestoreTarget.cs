using System.Globalization;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;

namespace PgArk.Core.Restore;

internal enum RestoreTargetKind
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
internal sealed record RestoreTarget
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
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var xid) && xid >= 3 ? xid : throw InvalidXid(text);

    private static UsageException InvalidXid(string text) =>
        new($"'{text}' is not a valid transaction id", "a transaction id is a positive integer (normal xids start at 3)");

    /// <summary>
    /// The one reading of a restore target from the arguments every front end passes (<c>restore</c>, <c>restore_database</c>,
    /// <c>restore_table</c>; the CLI's <c>--target-time</c> is <c>target_time</c>): at most one of a time, an LSN, a transaction
    /// id, a restore point name, or <paramref name="target"/> <c>immediate</c>/<c>latest</c>. Nothing given is
    /// <see cref="Latest"/> unless <paramref name="allowed"/> says otherwise; a kind the operation cannot use is refused here,
    /// with the same words on every front end.
    /// </summary>
    /// <param name="allowed">The kinds the operation supports and whether it needs one given (null: every kind, optional).</param>
    public static RestoreTarget Parse(string? target, string? time = null, string? lsn = null, ulong? xid = null, string? name = null,
        RestoreTargetRule? allowed = null)
    {
        var rule = allowed ?? RestoreTargetRule.Any;
        var given = new (string Argument, bool Present)[]
        {
            ("target", target is not null), ("target_time", time is not null), ("target_lsn", lsn is not null),
            ("target_xid", xid is not null), ("target_name", name is not null),
        }.Where(g => g.Present).Select(g => g.Argument).ToList();
        if (given.Count > 1)
        {
            throw new UsageException($"give one restore target, not {string.Join(" and ", given)}", rule.Hint);
        }
        var parsed = given.Count == 0 ? null
            : time is not null ? AtTime(ParseTime(time))
            : lsn is not null ? AtLsn(Postgres.Lsn.Parse(lsn))
            : xid is not null ? AtXid(xid.Value >= 3 ? xid.Value : throw InvalidXid(xid.Value.ToString(CultureInfo.InvariantCulture)))
            : name is not null ? AtName(name)
            : target switch
            {
                "latest" => Latest,
                "immediate" => Immediate,
                _ => throw new UsageException($"restore target '{target}' is not valid", rule.Hint),
            };
        if (parsed is null)
        {
            return rule.Required ? throw new UsageException("a restore target is required", rule.Hint) : Latest;
        }
        return rule.Kinds.Contains(parsed.Kind)
            ? parsed
            : throw new UsageException($"restore target {parsed} is not supported here", rule.Hint);
    }

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

/// <summary>Which restore targets an operation takes, and the hint every refusal of <see cref="RestoreTarget.Parse"/> carries.</summary>
internal sealed record RestoreTargetRule(IReadOnlySet<RestoreTargetKind> Kinds, bool Required, string Hint)
{
    /// <summary>A physical restore: any target; none given is latest.</summary>
    public static RestoreTargetRule Any { get; } = new(Enum.GetValues<RestoreTargetKind>().ToHashSet(), false,
        "give one of target_time (ISO 8601), target_lsn, target_xid, target_name, or target immediate or latest (the default)");

    /// <summary>A database- or table-level restore: a time or latest, given explicitly (the sandbox is promoted there).</summary>
    public static RestoreTargetRule TimeOrLatest { get; } = new(
        new HashSet<RestoreTargetKind> { RestoreTargetKind.Time, RestoreTargetKind.Latest }, true,
        "give target_time (ISO 8601, e.g. 2026-11-21T10:30:00Z) or target latest");
}
