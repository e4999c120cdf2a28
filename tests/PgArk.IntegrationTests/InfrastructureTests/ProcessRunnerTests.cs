using System.Diagnostics;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.InfrastructureTests;

public sealed class ProcessRunnerTests
{
    [Fact]
    public async Task RunAsync_ArgumentsWithSpacesQuotesAndDollars_ReachTheProgramVerbatim()
    {
        var result = await ProcessRunner.RunAsync("printf", ["%s\\n", "a b", "'c'", "$HOME", ""], CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("a b\n'c'\n$HOME\n\n", result.StandardOutput);
    }

    [Fact]
    public async Task RunAsync_FailureWithThrowOnFailure_ThrowsWithStderr()
    {
        var ex = await Assert.ThrowsAsync<ProcessFailedException>(() => ProcessRunner.RunAsync(
            "/bin/sh",
            ["-c", "echo out; echo boom >&2; exit 3"],
            new ProcessRunOptions { ThrowOnFailure = true },
            CancellationToken.None));

        Assert.Equal(3, ex.Result.ExitCode);
        Assert.Equal("out\n", ex.Result.StandardOutput);
        Assert.Equal("'/bin/sh -c \"echo out; echo boom >&2; exit 3\"' exited with code 3: boom", ex.Message);
    }

    [Fact]
    public async Task RunAsync_PastTimeout_KillsTheProcessAndThrows()
    {
        // A duration nobody else uses, so the process can be looked up by its command line.
        var seconds = $"30.{Random.Shared.Next(100_000, 999_999)}";
        var stopwatch = Stopwatch.StartNew();

        await Assert.ThrowsAsync<TimeoutException>(() => ProcessRunner.RunAsync(
            "sleep", [seconds], new ProcessRunOptions { Timeout = TimeSpan.FromMilliseconds(300) }, CancellationToken.None));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
        Assert.Empty(Posix.FindByCommandLine($"sleep {seconds}"));
    }

    [Fact]
    public async Task RunAsync_RunAsPostgres_RunsAsPostgresOnlyUnderRoot()
    {
        var result = await ProcessRunner.RunAsync(
            "id", ["-un"], new ProcessRunOptions { RunAsPostgres = true, ThrowOnFailure = true }, CancellationToken.None);

        Assert.Equal(Posix.IsRoot ? Posix.PostgresUser : Environment.UserName, result.StandardOutput.Trim());
    }
}
