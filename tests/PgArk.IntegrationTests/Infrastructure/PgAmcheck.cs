using System.Globalization;

namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>
/// Runs <c>pg_amcheck --all --install-missing</c>: checks heap and B-tree structure in every connectable database,
/// creating the amcheck extension (in pg_catalog) where it is missing.
/// </summary>
public static class PgAmcheck
{
    public static Task<AmcheckResult> RunAsync(TestCluster cluster, CancellationToken cancellationToken) =>
        RunAsync(cluster, [], cancellationToken);

    /// <summary>As above, with more pg_amcheck options such as <c>--heapallindexed</c>.</summary>
    public static async Task<AmcheckResult> RunAsync(
        TestCluster cluster, IEnumerable<string> extraArguments, CancellationToken cancellationToken)
    {
        List<string> args =
        [
            "-h", cluster.SocketDirectory,
            "-p", cluster.Port.ToString(CultureInfo.InvariantCulture),
            "-U", TestCluster.Superuser,
            "--all",
            "--install-missing",
        ];
        args.AddRange(extraArguments);
        var result = await ProcessRunner.RunAsync(
            cluster.Binaries.PgAmcheck,
            args,
            new ProcessRunOptions { RunAsPostgres = true, Timeout = TimeSpan.FromMinutes(10) },
            cancellationToken).ConfigureAwait(false);
        return new AmcheckResult(result.Succeeded, result.ExitCode, result.Output);
    }
}
