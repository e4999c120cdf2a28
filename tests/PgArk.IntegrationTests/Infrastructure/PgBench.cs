using System.Globalization;
using System.Text.RegularExpressions;

namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>Runs the pgbench binary against a <see cref="TestCluster"/> through its socket, as postgres under root.</summary>
public static partial class PgBench
{
    private static readonly TimeSpan s_initTimeout = TimeSpan.FromMinutes(10);

    /// <summary><c>pgbench -i -s scale</c>: scale 1 is 100,000 pgbench_accounts rows (about 15 MB).</summary>
    public static Task<ProcessResult> InitAsync(
        TestCluster cluster, string database, int scale, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        return ProcessRunner.RunAsync(
            cluster.Binaries.PgBench,
            [.. ConnectionArguments(cluster), "-i", "-s", scale.ToString(CultureInfo.InvariantCulture), "-q", database],
            new ProcessRunOptions { RunAsPostgres = true, ThrowOnFailure = true, Timeout = s_initTimeout },
            cancellationToken);
    }

    /// <summary>Runs the load (tables from <see cref="InitAsync"/> must exist) and fails on any pgbench error.</summary>
    public static async Task<PgBenchResult> RunAsync(
        TestCluster cluster, string database, PgBenchLoad load, CancellationToken cancellationToken)
    {
        List<string> args =
            [.. ConnectionArguments(cluster), "-n", "-c", Invariant(load.Clients), "-j", Invariant(Math.Min(load.Clients, 2))];
        var timeout = ProcessRunner.DefaultTimeout;
        if (load.TransactionsPerClient is int transactions)
        {
            args.AddRange(["-t", Invariant(transactions)]);
            timeout = TimeSpan.FromMinutes(10);
        }
        else if (load.Duration is TimeSpan duration)
        {
            var seconds = (int)Math.Ceiling(duration.TotalSeconds);
            args.AddRange(["-T", Invariant(seconds)]);
            timeout = TimeSpan.FromSeconds(seconds) + ProcessRunner.DefaultTimeout;
        }

        if (load.SelectOnly)
        {
            args.Add("-S");
        }

        args.Add(database);
        var result = await ProcessRunner.RunAsync(
            cluster.Binaries.PgBench,
            args,
            new ProcessRunOptions { RunAsPostgres = true, ThrowOnFailure = true, Timeout = timeout },
            cancellationToken).ConfigureAwait(false);

        var processed = ProcessedPattern().Match(result.StandardOutput);
        var tps = TpsPattern().Match(result.StandardOutput);
        return new PgBenchResult(
            processed.Success ? long.Parse(processed.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            tps.Success ? double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            result);
    }

    private static string[] ConnectionArguments(TestCluster cluster) =>
        ["-h", cluster.SocketDirectory, "-p", Invariant(cluster.Port), "-U", TestCluster.Superuser];

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"number of transactions actually processed: (\d+)")]
    private static partial Regex ProcessedPattern();

    [GeneratedRegex(@"tps = ([0-9.]+)")]
    private static partial Regex TpsPattern();
}
