using System.Globalization;
using PgArk.Core.Errors;

namespace PgArk.Core.Configuration;

/// <summary>
/// A cron expression: the standard five fields (minute hour day-of-month month day-of-week) or six with a leading
/// seconds field. Fields take <c>*</c>, numbers, ranges <c>a-b</c>, steps <c>*/n</c> and <c>a-b/n</c>, lists
/// <c>a,b</c>, month names (JAN..DEC) and day names (SUN..SAT); day-of-week 0 and 7 are both Sunday. As in Vixie cron,
/// when both day-of-month and day-of-week are restricted a day matches if either does.
/// </summary>
/// <remarks>
/// Occurrences are wall-clock times in <see cref="TimeZone"/>. A wall-clock time that does not exist (skipped by a
/// daylight-saving change) does not fire that day; one that occurs twice (clocks set back) fires once, at its first
/// occurrence.
/// </remarks>
public sealed class CronExpression
{
    private static readonly string[] s_months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] s_days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    // Five years covers every combination that can match at all (29 February on a given weekday repeats within 28 years,
    // but such a schedule is rejected as never firing only when nothing matches in this window).
    private const int SearchDays = 366 * 5;

    private readonly ulong _seconds;
    private readonly ulong _minutes;
    private readonly ulong _hours;
    private readonly ulong _daysOfMonth;
    private readonly ulong _months;
    private readonly ulong _daysOfWeek;
    private readonly bool _dayOfMonthRestricted;
    private readonly bool _dayOfWeekRestricted;

    private CronExpression(string text, TimeZoneInfo timeZone, ulong seconds, ulong minutes, ulong hours, ulong daysOfMonth, ulong months,
        ulong daysOfWeek, bool dayOfMonthRestricted, bool dayOfWeekRestricted)
    {
        Text = text;
        TimeZone = timeZone;
        _seconds = seconds;
        _minutes = minutes;
        _hours = hours;
        _daysOfMonth = daysOfMonth;
        _months = months;
        _daysOfWeek = daysOfWeek;
        _dayOfMonthRestricted = dayOfMonthRestricted;
        _dayOfWeekRestricted = dayOfWeekRestricted;
    }

    /// <summary>The expression as written.</summary>
    public string Text { get; }

    public TimeZoneInfo TimeZone { get; }

    /// <summary>True when the expression has a seconds field.</summary>
    public bool HasSeconds { get; private init; }

    /// <summary>Parses <paramref name="text"/>; throws <see cref="UsageException"/> naming the bad field.</summary>
    public static CronExpression Parse(string text, TimeZoneInfo? timeZone = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var fields = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is not (5 or 6))
        {
            throw new UsageException($"cron expression '{text}' has {fields.Length} fields; expected 5 (minute hour day month weekday) or 6 (with seconds first)");
        }
        var offset = fields.Length - 5;
        var seconds = offset == 1 ? Field(text, "second", fields[0], 0, 59, null) : 1UL;
        var minutes = Field(text, "minute", fields[offset], 0, 59, null);
        var hours = Field(text, "hour", fields[offset + 1], 0, 23, null);
        var daysOfMonth = Field(text, "day of month", fields[offset + 2], 1, 31, null);
        var months = Field(text, "month", fields[offset + 3], 1, 12, s_months);
        var daysOfWeek = Field(text, "day of week", fields[offset + 4], 0, 7, s_days);
        if ((daysOfWeek & (1UL << 7)) != 0)
        {
            daysOfWeek = (daysOfWeek & ~(1UL << 7)) | 1UL;
        }
        var expression = new CronExpression(text, timeZone ?? TimeZoneInfo.Utc, seconds, minutes, hours, daysOfMonth, months, daysOfWeek,
            fields[offset + 2] != "*", fields[offset + 4] != "*")
        {
            HasSeconds = offset == 1,
        };
        if (expression.Next(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)) is null)
        {
            throw new UsageException($"cron expression '{text}' never fires (no such day)");
        }
        return expression;
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>, or null when there is none within five years.</summary>
    public DateTimeOffset? Next(DateTimeOffset after)
    {
        var localAfter = TimeZoneInfo.ConvertTime(after, TimeZone).DateTime;
        var day = localAfter.Date;
        for (var i = 0; i < SearchDays; i++, day = day.AddDays(1))
        {
            if (!DayMatches(day))
            {
                continue;
            }
            for (var hour = day == localAfter.Date ? localAfter.Hour : 0; hour < 24; hour++)
            {
                if (!Has(_hours, hour))
                {
                    continue;
                }
                for (var minute = 0; minute < 60; minute++)
                {
                    if (!Has(_minutes, minute))
                    {
                        continue;
                    }
                    for (var second = 0; second < 60; second++)
                    {
                        if (Has(_seconds, second) && Resolve(day.AddHours(hour).AddMinutes(minute).AddSeconds(second)) is { } candidate && candidate > after)
                        {
                            return candidate;
                        }
                    }
                }
            }
        }
        return null;
    }

    public override string ToString() => Text;

    private bool DayMatches(DateTime day)
    {
        if (!Has(_months, day.Month))
        {
            return false;
        }
        var dayOfMonth = Has(_daysOfMonth, day.Day);
        var dayOfWeek = Has(_daysOfWeek, (int)day.DayOfWeek);
        return _dayOfMonthRestricted && _dayOfWeekRestricted ? dayOfMonth || dayOfWeek : dayOfMonth && dayOfWeek;
    }

    /// <summary>The instant of a wall-clock time in the zone: null when skipped by DST, the first of two when ambiguous.</summary>
    private DateTimeOffset? Resolve(DateTime local)
    {
        if (TimeZone.IsInvalidTime(local))
        {
            return null;
        }
        if (TimeZone.IsAmbiguousTime(local))
        {
            var offsets = TimeZone.GetAmbiguousTimeOffsets(local);
            return new DateTimeOffset(local, offsets.Max());
        }
        return new DateTimeOffset(local, TimeZone.GetUtcOffset(local));
    }

    private static bool Has(ulong set, int value) => (set & (1UL << value)) != 0;

    private static ulong Field(string text, string name, string field, int min, int max, string[]? names)
    {
        ulong set = 0;
        foreach (var part in field.Split(','))
        {
            var (range, stepText) = part.Split('/') switch
            {
                [var r] => (r, null),
                [var r, var s] => (r, s),
                _ => throw Bad(text, name, part),
            };
            var step = 1;
            if (stepText is not null && (!int.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1))
            {
                throw Bad(text, name, part);
            }
            int low, high;
            if (range == "*")
            {
                (low, high) = (min, max == 7 ? 6 : max);
            }
            else if (range.Split('-') is [var a, var b])
            {
                (low, high) = (Value(text, name, a, min, max, names), Value(text, name, b, min, max, names));
                if (low > high)
                {
                    throw new UsageException($"cron expression '{text}': {name} range '{range}' runs backwards");
                }
            }
            else
            {
                low = Value(text, name, range, min, max, names);
                high = stepText is null ? low : max;
            }
            for (var v = low; v <= high; v += step)
            {
                set |= 1UL << v;
            }
        }
        return set;
    }

    private static int Value(string text, string name, string value, int min, int max, string[]? names)
    {
        var index = names is null ? -1 : Array.FindIndex(names, n => string.Equals(n, value, StringComparison.OrdinalIgnoreCase));
        if (index >= 0)
        {
            return index + (min == 1 ? 1 : 0);
        }
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max)
        {
            return number;
        }
        throw new UsageException($"cron expression '{text}': {name} '{value}' is out of range ({min}-{max})");
    }

    private static UsageException Bad(string text, string name, string part) =>
        new($"cron expression '{text}': {name} field '{part}' is not valid (use *, N, A-B, */N, A-B/N or lists)");
}
