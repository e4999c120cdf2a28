using System.Diagnostics;
using PgArk.Core.Common;

namespace PgArk.Tests.Common;

public class StageProfileTests
{
    [Fact]
    public void Add_Disabled_ReadsNoClockAndRecordsNothing()
    {
        var profile = new StageProfile(false, "read", "write");

        var start = profile.Start();
        var next = profile.Add(0, start);
        profile.AddElapsed(1, Stopwatch.Frequency);

        Assert.Equal(0, start);
        Assert.Equal(0, next);
        Assert.Equal(TimeSpan.Zero, profile.Total(0));
        Assert.Equal(TimeSpan.Zero, profile.Total(1));
        Assert.Equal(0, profile.Count(1));
    }

    [Fact]
    public void AddElapsed_FromSeveralThreads_SumsTimeAndCalls()
    {
        var profile = new StageProfile(true, "hash");

        Parallel.For(0, 1000, _ => profile.AddElapsed(0, Stopwatch.Frequency / 1000));

        Assert.Equal(1000, profile.Count(0));
        Assert.Equal(1.0, profile.Total(0).TotalSeconds, 3);
    }

    [Fact]
    public void Format_ListsStagesLargestFirst_WithSharesOfStagesAndOfWorkersWall()
    {
        var profile = new StageProfile(true, "read", "decompress", "write");
        profile.AddElapsed(0, Stopwatch.Frequency);      // 1 s
        profile.AddElapsed(1, Stopwatch.Frequency * 3);  // 3 s
        profile.AddElapsed(2, 0);

        var lines = profile.Format("restore", TimeSpan.FromSeconds(4), threads: 2).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("profile of restore: wall 4.000 s, 2 workers, stage time summed over threads 4.000 s", lines[0]);
        Assert.Equal("  decompress         3.000 s   75.0 % of stages   37.5 % of workers' wall          1 calls", lines[1]);
        Assert.Equal("  read               1.000 s   25.0 % of stages   12.5 % of workers' wall          1 calls", lines[2]);
        Assert.StartsWith("  write              0.000 s    0.0 % of stages", lines[3], StringComparison.Ordinal);
        Assert.Equal(4, lines.Length);
    }
}
