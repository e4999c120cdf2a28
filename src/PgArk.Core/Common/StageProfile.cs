using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace PgArk.Core.Common;

/// <summary>
/// Opt-in profile of where a long operation spends its time (<c>PGARK_PROFILE=1</c>): each stage adds the time it took,
/// summed over every worker thread, so the figures say where the CPU and I/O waits go rather than add up to the wall time.
/// When the profile is off, <see cref="Start"/> returns 0 and <see cref="Add"/> does nothing: no clock is read.
/// </summary>
internal sealed class StageProfile
{
    private readonly string[] _stages;
    private readonly long[] _ticks;
    private readonly long[] _counts;

    public StageProfile(bool enabled, params string[] stages)
    {
        ArgumentOutOfRangeException.ThrowIfZero(stages.Length);
        Enabled = enabled;
        _stages = stages;
        _ticks = new long[stages.Length];
        _counts = new long[stages.Length];
    }

    /// <summary>True when <c>PGARK_PROFILE</c> is <c>1</c> in the environment.</summary>
    public static bool RequestedByEnvironment => Environment.GetEnvironmentVariable("PGARK_PROFILE") == "1";

    public bool Enabled { get; }

    /// <summary>A timestamp to hand to <see cref="Add"/>, or 0 when the profile is off.</summary>
    public long Start() => Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>Adds the time since <paramref name="start"/> to the stage and returns the current timestamp (the next stage's start).</summary>
    public long Add(int stage, long start)
    {
        if (!Enabled)
        {
            return 0;
        }
        var now = Stopwatch.GetTimestamp();
        AddElapsed(stage, now - start);
        return now;
    }

    /// <summary>Adds a measured duration (in <see cref="Stopwatch"/> ticks) to the stage.</summary>
    public void AddElapsed(int stage, long ticks)
    {
        if (Enabled)
        {
            Interlocked.Add(ref _ticks[stage], ticks);
            Interlocked.Increment(ref _counts[stage]);
        }
    }

    public TimeSpan Total(int stage) => Stopwatch.GetElapsedTime(0, Volatile.Read(ref _ticks[stage]));

    public long Count(int stage) => Volatile.Read(ref _counts[stage]);

    /// <summary>
    /// One line per stage, largest first: seconds summed over threads, share of the summed time, number of calls, and
    /// the share of <paramref name="wall"/> times <paramref name="threads"/> (how busy the workers were in that stage).
    /// </summary>
    public string Format(string title, TimeSpan wall, int threads)
    {
        var sum = Enumerable.Range(0, _stages.Length).Sum(i => Total(i).TotalSeconds);
        var capacity = wall.TotalSeconds * Math.Max(1, threads);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"profile of {title}: wall {wall.TotalSeconds:0.000} s, {threads} workers, stage time summed over threads {sum:0.000} s\n");
        foreach (var i in Enumerable.Range(0, _stages.Length).OrderByDescending(i => Total(i)).ThenBy(i => i))
        {
            var seconds = Total(i).TotalSeconds;
            text.Append(CultureInfo.InvariantCulture,
                $"  {_stages[i],-14} {seconds,9:0.000} s {Share(seconds, sum),6:0.0} % of stages {Share(seconds, capacity),6:0.0} % of workers' wall  {Count(i),9} calls\n");
        }
        return text.ToString();
    }

    private static double Share(double part, double whole) => whole > 0 ? 100 * part / whole : 0;
}
