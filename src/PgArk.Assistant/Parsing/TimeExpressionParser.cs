using System.Globalization;
using System.Text.RegularExpressions;

namespace PgArk.Assistant.Parsing;

/// <summary>
/// Finds a restore target in free text: ISO and written-out timestamps (with an optional zone: Z, UTC, GMT, ±hh:mm, or a
/// zone id such as Europe/Berlin), relative ones ("two hours ago", "yesterday at 10:30", "last night"), and "latest".
/// Times without a zone are read in <see cref="TimeZoneInfo"/> <c>zone</c>; "now" comes from the injected clock.
/// </summary>
internal sealed partial class TimeExpressionParser(TimeProvider clock, TimeZoneInfo zone)
{
    private const string Zone = @"(?:\s*(?<zone>z\b|utc\b|gmt\b|[+-]\d{2}(?::?\d{2})?\b|[a-z]+/[a-z_]+(?:/[a-z_]+)?|[a-z]{3,5}\b(?<!\b(?:and|the|for|but|from|into|with|then|on|to|at|as)\b)))?";
    private const string Clock = @"(?<hour>\d{1,2})(?::(?<minute>\d{2})(?::(?<second>\d{2})(?:\.(?<fraction>\d{1,6}))?)?)?\s*(?<ampm>(?:am|pm)\b|a\.m\.|p\.m\.)?";

    private static readonly string[] s_months =
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

    private static readonly Dictionary<string, int> s_numbers = new(StringComparer.Ordinal)
    {
        ["a"] = 1, ["an"] = 1, ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5, ["six"] = 6, ["seven"] = 7,
        ["eight"] = 8, ["nine"] = 9, ["ten"] = 10, ["eleven"] = 11, ["twelve"] = 12, ["fifteen"] = 15, ["twenty"] = 20, ["thirty"] = 30,
        ["forty-five"] = 45, ["a couple of"] = 2, ["couple of"] = 2, ["a few"] = 3, ["few"] = 3,
    };

    public TimeExpression? Find(string text)
    {
        if (LatestPattern().Match(text) is { Success: true } latest)
        {
            return new TimeExpression(null, true, latest.Value);
        }
        return FindIso(text) ?? FindWrittenDate(text) ?? FindAgo(text) ?? FindDayWord(text) ?? FindClockOnly(text);
    }

    private TimeExpression? FindIso(string text)
    {
        var match = IsoPattern().Match(text);
        if (!match.Success)
        {
            return null;
        }
        var date = DateOnly.ParseExact(match.Groups["date"].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        return Resolve(match, date, match.Groups["hour"].Success);
    }

    private TimeExpression? FindWrittenDate(string text)
    {
        var match = WrittenDatePattern().Match(text);
        if (!match.Success)
        {
            return null;
        }
        var month = Array.IndexOf(s_months, match.Groups["month"].Value[..3].ToLowerInvariant()) + 1;
        var year = match.Groups["year"].Success
            ? int.Parse(match.Groups["year"].Value, CultureInfo.InvariantCulture)
            : LocalNow().Year;
        var day = int.Parse(match.Groups["day"].Value, CultureInfo.InvariantCulture);
        if (day > DateTime.DaysInMonth(year, month))
        {
            return new TimeExpression(null, false, match.Value, $"'{match.Value.Trim()}' is not a valid date");
        }
        return Resolve(match, new DateOnly(year, month, day), match.Groups["hour"].Success);
    }

    private TimeExpression? FindAgo(string text)
    {
        var match = AgoPattern().Match(text);
        if (!match.Success)
        {
            return null;
        }
        var countText = match.Groups["count"].Value.ToLowerInvariant();
        var count = int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : s_numbers[countText];
        var unit = match.Groups["unit"].Value.ToLowerInvariant();
        var span = unit switch
        {
            _ when unit.StartsWith("sec", StringComparison.Ordinal) => TimeSpan.FromSeconds(count),
            _ when unit.StartsWith("min", StringComparison.Ordinal) => TimeSpan.FromMinutes(count),
            _ when unit.StartsWith('h') => TimeSpan.FromHours(count),
            _ when unit.StartsWith('d') => TimeSpan.FromDays(count),
            _ => TimeSpan.FromDays(7 * count),
        };
        var at = TimeZoneInfo.ConvertTime(clock.GetUtcNow() - span, zone);
        return new TimeExpression(Truncate(at), false, match.Value);
    }

    private TimeExpression? FindDayWord(string text)
    {
        var match = DayWordPattern().Match(text);
        if (!match.Success)
        {
            return null;
        }
        var today = DateOnly.FromDateTime(LocalNow().DateTime);
        var word = match.Groups["day"].Value.ToLowerInvariant();
        var date = word switch
        {
            "yesterday" or "last night" => today.AddDays(-1),
            "day before yesterday" or "the day before yesterday" => today.AddDays(-2),
            _ => today,
        };
        if (match.Groups["hour"].Success)
        {
            return Resolve(match, date, true);
        }
        // Without a clock time: "last night" is 22:00 the day before, "this morning" 08:00, a bare day its midnight.
        var time = word switch
        {
            "last night" => new TimeOnly(22, 0),
            "this morning" => new TimeOnly(8, 0),
            "this afternoon" => new TimeOnly(14, 0),
            _ => TimeOnly.MinValue,
        };
        return Local(date.ToDateTime(time), match.Value);
    }

    private TimeExpression? FindClockOnly(string text)
    {
        var match = ClockOnlyPattern().Match(text);
        if (!match.Success)
        {
            return null;
        }
        var today = DateOnly.FromDateTime(LocalNow().DateTime);
        var resolved = Resolve(match, today, true);
        // "at 23:00" said at 09:00 means last night's 23:00: a restore target is never in the future.
        if (resolved.Time is { } t && t > clock.GetUtcNow() && match.Groups["zone"].Success is false)
        {
            return Resolve(match, today.AddDays(-1), true);
        }
        return resolved;
    }

    private TimeExpression Resolve(Match match, DateOnly date, bool hasClock)
    {
        var time = TimeOnly.MinValue;
        if (hasClock)
        {
            var hour = int.Parse(match.Groups["hour"].Value, CultureInfo.InvariantCulture);
            var minute = match.Groups["minute"].Success ? int.Parse(match.Groups["minute"].Value, CultureInfo.InvariantCulture) : 0;
            var second = match.Groups["second"].Success ? int.Parse(match.Groups["second"].Value, CultureInfo.InvariantCulture) : 0;
            var ampm = match.Groups["ampm"].Value.ToLowerInvariant();
            if (ampm.StartsWith('p') && hour < 12)
            {
                hour += 12;
            }
            else if (ampm.StartsWith('a') && hour == 12)
            {
                hour = 0;
            }
            if (hour > 23 || minute > 59 || second > 59)
            {
                return new TimeExpression(null, false, match.Value, $"'{match.Value.Trim()}' is not a valid time of day");
            }
            time = new TimeOnly(hour, minute, second);
            if (match.Groups["fraction"].Success)
            {
                var fraction = match.Groups["fraction"].Value.PadRight(7, '0');
                time = time.Add(TimeSpan.FromTicks(long.Parse(fraction, CultureInfo.InvariantCulture)));
            }
        }
        var local = date.ToDateTime(time);
        var zoneText = match.Groups["zone"].Success ? match.Groups["zone"].Value : null;
        if (zoneText is null)
        {
            return Local(local, match.Value);
        }
        if (zoneText.ToLowerInvariant() is "z" or "utc" or "gmt")
        {
            return new TimeExpression(new DateTimeOffset(local, TimeSpan.Zero), false, match.Value);
        }
        if (zoneText[0] is '+' or '-')
        {
            var digits = zoneText[1..].Replace(":", "", StringComparison.Ordinal);
            var offset = new TimeSpan(int.Parse(digits[..2], CultureInfo.InvariantCulture),
                digits.Length > 2 ? int.Parse(digits[2..], CultureInfo.InvariantCulture) : 0, 0);
            return new TimeExpression(new DateTimeOffset(local, zoneText[0] == '-' ? -offset : offset), false, match.Value);
        }
        if (FindZone(zoneText) is { } named)
        {
            return new TimeExpression(new DateTimeOffset(local, named.GetUtcOffset(local)), false, match.Value);
        }
        // A word after the time that is no zone ("10:30 backup"): the time stands alone, read locally.
        return Local(local, match.Value[..(match.Groups["zone"].Index - match.Index)]);
    }

    private TimeExpression Local(DateTime local, string text)
    {
        if (zone.IsInvalidTime(local))
        {
            return new TimeExpression(null, false, text, $"{local:yyyy-MM-dd HH:mm} does not exist in {zone.Id} (clocks moved forward)");
        }
        return new TimeExpression(new DateTimeOffset(local, zone.GetUtcOffset(local)), false, text);
    }

    private static TimeZoneInfo? FindZone(string id)
    {
        foreach (var candidate in new[] { id, id.ToUpperInvariant(), TitleCase(id) })
        {
            if (TimeZoneInfo.TryFindSystemTimeZoneById(candidate, out var found))
            {
                return found;
            }
        }
        return null;
    }

    /// <summary>"europe/berlin" → "Europe/Berlin", "america/new_york" → "America/New_York" (zone ids are case-sensitive files).</summary>
    private static string TitleCase(string id)
    {
        var chars = id.ToLowerInvariant().ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (i == 0 || chars[i - 1] is '/' or '_' or '-')
            {
                chars[i] = char.ToUpperInvariant(chars[i]);
            }
        }
        return new string(chars);
    }

    private DateTimeOffset LocalNow() => TimeZoneInfo.ConvertTime(clock.GetUtcNow(), zone);

    private static DateTimeOffset Truncate(DateTimeOffset t) => new(t.Ticks - (t.Ticks % TimeSpan.TicksPerSecond), t.Offset);

    [GeneratedRegex(@"\b(?:latest|most recent|newest|last backup|now|current state|up to date|as late as possible)\b", RegexOptions.IgnoreCase)]
    private static partial Regex LatestPattern();

    [GeneratedRegex(@"\b(?<date>\d{4}-\d{2}-\d{2})(?:(?:t|\s+at\s+|\s+)" + Clock + ")?" + Zone, RegexOptions.IgnoreCase)]
    private static partial Regex IsoPattern();

    [GeneratedRegex(@"\b(?:(?<day>\d{1,2})(?:st|nd|rd|th)?\s+(?<month>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?(?:\s+(?<year>\d{4}))?|(?<month>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?<day>\d{1,2})(?:st|nd|rd|th)?,?(?:\s+(?<year>\d{4}))?)(?:,?\s+(?:at\s+)?" + Clock + ")?" + Zone, RegexOptions.IgnoreCase)]
    private static partial Regex WrittenDatePattern();

    [GeneratedRegex(@"\b(?<count>\d+|a couple of|couple of|a few|few|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty-five)\s+(?<unit>seconds?|secs?|minutes?|mins?|hours?|hrs?|h|days?|weeks?)\s+ago\b", RegexOptions.IgnoreCase)]
    private static partial Regex AgoPattern();

    [GeneratedRegex(@"(?:\b(?<day>the day before yesterday|day before yesterday|yesterday|today|last night|tonight|this morning|this afternoon)\b(?:,?\s+(?:at\s+)?" + Clock + Zone + @")?|(?:\bat\s+)?\b" + Clock + Zone + @"\s+(?<day>the day before yesterday|day before yesterday|yesterday|today|last night|this morning|this afternoon)\b)", RegexOptions.IgnoreCase)]
    private static partial Regex DayWordPattern();

    [GeneratedRegex(@"\b(?:at|to|until|till|as of|by)\s+(?=\d{1,2}:\d{2})" + Clock + Zone, RegexOptions.IgnoreCase)]
    private static partial Regex ClockOnlyPattern();
}
