using PgArk.Core.Codecs;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Logical;

namespace PgArk.Tests.Logical;

public sealed class DumpRetentionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static DumpManifest Dump(string database, int daysAgo)
    {
        var start = Now.AddDays(-daysAgo);
        return new DumpManifest
        {
            Id = DumpId.Create(start).Value, Server = "pg1", Database = database, Mode = DumpMode.Full, DumpFormat = DumpFormat.Custom, PgVersionNum = 170000,
            ServerVersion = "17.0", PgDumpVersion = "pg_dump (PostgreSQL) 17.0", Snapshot = "00000003-00000002-1", StartTime = start, StopTime = start,
            DurationSeconds = 1, Compression = CompressionType.Zstd, CompressionLevel = 3, Size = 1, StoredSize = 1, Files = [], Tables = [],
        };
    }

    [Fact]
    public void Plan_KeepCount_KeepsNewestPerDatabase()
    {
        var dumps = new[] { Dump("a", 5), Dump("a", 4), Dump("a", 3), Dump("b", 10), Dump("b", 8), Dump("b", 1) };
        var plan = DumpRetention.Plan(dumps, keep: 2, keepDays: null, Now);
        Assert.Equal([dumps[3].Id, dumps[0].Id], plan.Select(p => p.Id));
        Assert.Equal("not among the 2 newest of database 'b'", plan[0].Reason);
    }

    [Fact]
    public void Plan_KeepDays_RemovesOlderButAlwaysKeepsTheNewest()
    {
        var dumps = new[] { Dump("a", 40), Dump("a", 35), Dump("b", 20), Dump("b", 2) };
        var plan = DumpRetention.Plan(dumps, keep: null, keepDays: 30, Now);
        Assert.Equal([dumps[0].Id], plan.Select(p => p.Id));
        Assert.Equal("older than 30 days", plan[0].Reason);
    }

    [Fact]
    public void Plan_BothRules_KeepsWhatEitherKeeps()
    {
        var dumps = new[] { Dump("a", 50), Dump("a", 40), Dump("a", 5), Dump("a", 1) };
        var plan = DumpRetention.Plan(dumps, keep: 3, keepDays: 7, Now);
        Assert.Equal([dumps[0].Id], plan.Select(p => p.Id));
    }

    [Fact]
    public void Plan_NoRule_KeepsEverything() => Assert.Empty(DumpRetention.Plan([Dump("a", 100), Dump("a", 90)], null, null, Now));

    [Fact]
    public void Plan_KeepZero_IsUsageError() =>
        Assert.Equal("--keep must be 1 or more", Assert.Throws<UsageException>(() => DumpRetention.Plan([], 0, null, Now)).Message);

    [Fact]
    public void DumpId_ParsesOnlyLogicalIds()
    {
        Assert.Equal("20261121-103000L", DumpId.Create(new DateTimeOffset(2026, 11, 21, 10, 30, 0, TimeSpan.Zero)).Value);
        Assert.True(DumpId.TryParse("20261121-103000L", out _));
        Assert.False(DumpId.TryParse("20261121-103000F", out _));
        Assert.False(DumpId.TryParse("../../etc", out _));
    }
}
