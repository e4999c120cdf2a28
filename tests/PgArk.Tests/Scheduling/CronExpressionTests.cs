using PgArk.Core.Errors;
using PgArk.Core.Configuration;

namespace PgArk.Tests.Scheduling;

public class CronExpressionTests
{
    private static DateTimeOffset Utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) =>
        new(year, month, day, hour, minute, second, TimeSpan.Zero);

    private static List<DateTimeOffset> Occurrences(CronExpression cron, DateTimeOffset after, int count)
    {
        var result = new List<DateTimeOffset>();
        for (var next = cron.Next(after); next is { } n && result.Count < count; next = cron.Next(n))
        {
            result.Add(n);
        }
        return result;
    }

    [Fact]
    public void Next_EveryTwoMinutes_Seed000Incremental()
    {
        var cron = CronExpression.Parse("*/2 * * * *");

        Assert.Equal([Utc(2026, 11, 21, 3, 2), Utc(2026, 11, 21, 3, 4), Utc(2026, 11, 21, 3, 6)], Occurrences(cron, Utc(2026, 11, 21, 3, 0, 59), 3));
    }

    [Fact]
    public void Next_WeeklySundayAt3_DayOfWeekZeroAndSevenAndNameAreSunday()
    {
        // 21 November 2026 is a Saturday.
        foreach (var text in new[] { "0 3 * * 0", "0 3 * * 7", "0 3 * * SUN", "0 3 * * sun" })
        {
            Assert.Equal([Utc(2026, 11, 22, 3), Utc(2026, 11, 29, 3)], Occurrences(CronExpression.Parse(text), Utc(2026, 11, 21, 12), 2));
        }
    }

    [Fact]
    public void Next_ExactlyAtOccurrence_IsStrictlyAfter()
    {
        var cron = CronExpression.Parse("0 2 * * *");

        Assert.Equal(Utc(2026, 11, 22, 2), cron.Next(Utc(2026, 11, 21, 2)));
    }

    [Fact]
    public void Next_EverySixHours_Seed003Differential()
    {
        var cron = CronExpression.Parse("0 */6 * * *");

        Assert.Equal([Utc(2026, 11, 21, 6), Utc(2026, 11, 21, 12), Utc(2026, 11, 21, 18), Utc(2026, 11, 22, 0)],
            Occurrences(cron, Utc(2026, 11, 21, 5, 59), 4));
    }

    [Fact]
    public void Next_RangesListsStepsAndMonthNames()
    {
        var cron = CronExpression.Parse("15,45 9-17/4 * JAN-MAR MON-FRI");

        // 1 January 2027 is a Friday; 9-17/4 is 9, 13 and 17.
        Assert.Equal([Utc(2027, 1, 1, 9, 15), Utc(2027, 1, 1, 9, 45), Utc(2027, 1, 1, 13, 15), Utc(2027, 1, 1, 13, 45), Utc(2027, 1, 1, 17, 15)],
            Occurrences(cron, Utc(2026, 12, 31, 23), 5));
        Assert.Equal(Utc(2027, 1, 4, 9, 15), cron.Next(Utc(2027, 1, 1, 17, 45)));
    }

    [Fact]
    public void Next_DayOfMonthAndDayOfWeekBothRestricted_MatchesEither()
    {
        // Vixie cron: "the 1st of the month, or any Monday".
        var cron = CronExpression.Parse("0 0 1 * 1");

        Assert.Equal([Utc(2026, 11, 23), Utc(2026, 11, 30), Utc(2026, 12, 1), Utc(2026, 12, 7)], Occurrences(cron, Utc(2026, 11, 21), 4));
    }

    [Fact]
    public void Next_SixFields_SecondsFirst()
    {
        var cron = CronExpression.Parse("*/5 * * * * *");

        Assert.True(cron.HasSeconds);
        Assert.Equal([Utc(2026, 11, 21, 3, 0, 5), Utc(2026, 11, 21, 3, 0, 10)], Occurrences(cron, Utc(2026, 11, 21, 3, 0, 3), 2));
    }

    [Fact]
    public void Next_FiveFields_FireAtSecondZero()
    {
        Assert.Equal(Utc(2026, 11, 21, 3, 1), CronExpression.Parse("* * * * *").Next(Utc(2026, 11, 21, 3, 0, 0).AddTicks(1)));
    }

    [Fact]
    public void Next_TwentyNinthOfFebruary_FindsNextLeapYear()
    {
        Assert.Equal(Utc(2028, 2, 29, 4), CronExpression.Parse("0 4 29 2 *").Next(Utc(2026, 11, 21)));
    }

    [Fact]
    public void Next_TimeZone_DailyAt2InParisIsUtcOneOrTwoHoursEarlier()
    {
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var cron = CronExpression.Parse("0 2 * * *", paris);

        Assert.Equal(Utc(2026, 11, 22, 1), cron.Next(Utc(2026, 11, 21, 12)));
        Assert.Equal(Utc(2026, 7, 2, 0), cron.Next(Utc(2026, 7, 1, 12)));
    }

    [Fact]
    public void Next_SpringForward_SkippedWallClockTimeDoesNotFireThatDay()
    {
        // Europe/Paris, 29 March 2026: 02:00 local jumps to 03:00.
        var cron = CronExpression.Parse("30 2 * * *", TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris"));

        Assert.Equal([Utc(2026, 3, 28, 1, 30), Utc(2026, 3, 30, 0, 30)], Occurrences(cron, Utc(2026, 3, 28), 2));
    }

    [Fact]
    public void Next_FallBack_RepeatedWallClockTimeFiresOnce()
    {
        // Europe/Paris, 25 October 2026: 03:00 local goes back to 02:00, so 02:30 happens twice (00:30 and 01:30 UTC).
        var cron = CronExpression.Parse("30 2 * * *", TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris"));

        Assert.Equal([Utc(2026, 10, 24, 0, 30), Utc(2026, 10, 25, 0, 30), Utc(2026, 10, 26, 1, 30)], Occurrences(cron, Utc(2026, 10, 24), 3));
    }

    [Fact]
    public void Next_FallBack_HourlyStaysHourlyInRealTime()
    {
        var cron = CronExpression.Parse("0 * * * *", TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris"));

        // 00:00 UTC is 02:00 CEST; the repeated 02:00 CET (01:00 UTC) is skipped, 03:00 CET is 02:00 UTC.
        Assert.Equal([Utc(2026, 10, 24, 23), Utc(2026, 10, 25, 0), Utc(2026, 10, 25, 2)], Occurrences(cron, Utc(2026, 10, 24, 22, 30), 3));
    }

    [Theory]
    [InlineData("* * * *", "cron expression '* * * *' has 4 fields; expected 5 (minute hour day month weekday) or 6 (with seconds first)")]
    [InlineData("60 * * * *", "cron expression '60 * * * *': minute '60' is out of range (0-59)")]
    [InlineData("0 24 * * *", "cron expression '0 24 * * *': hour '24' is out of range (0-23)")]
    [InlineData("0 0 0 * *", "cron expression '0 0 0 * *': day of month '0' is out of range (1-31)")]
    [InlineData("0 0 * 13 *", "cron expression '0 0 * 13 *': month '13' is out of range (1-12)")]
    [InlineData("0 0 * * 8", "cron expression '0 0 * * 8': day of week '8' is out of range (0-7)")]
    [InlineData("*/0 * * * *", "cron expression '*/0 * * * *': minute field '*/0' is not valid (use *, N, A-B, */N, A-B/N or lists)")]
    [InlineData("0 5-2 * * *", "cron expression '0 5-2 * * *': hour range '5-2' runs backwards")]
    [InlineData("0 0 31 2 *", "cron expression '0 0 31 2 *' never fires (no such day)")]
    [InlineData("0 0 ? * MON", "cron expression '0 0 ? * MON': day of month '?' is out of range (1-31)")]
    public void Parse_Invalid_NamesTheField(string text, string message)
    {
        var e = Assert.Throws<UsageException>(() => CronExpression.Parse(text));

        Assert.Equal(message, e.Message);
    }
}
