using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Physical;

/// <summary>Bad input gets one clear line, the documented exit code, no stack trace, and writes nothing.</summary>
public class BadInputTests
{
    private static Task<CliRun> RunAsync(params string[] args) => CliRun.RunAsync(args);

    private static void AssertCleanFailure(CliRun run, int exitCode, string messageStart)
    {
        Assert.True(run.ExitCode == exitCode, run.ToString());
        var first = run.Stderr.Split('\n')[0];
        Assert.StartsWith("pgark: " + messageStart, first, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingConfigFile_Exit2()
    {
        using var folder = TempFolder.Create();
        var missing = folder.Combine("nope.yaml");
        AssertCleanFailure(await RunAsync("--config", missing, "info"), 2, $"configuration file '{missing}' does not exist");
    }

    [Fact]
    public async Task MalformedConfig_Exit2_NamesFileAndPosition()
    {
        using var folder = TempFolder.Create();
        var path = folder.Combine("pgark.yaml");
        await File.WriteAllTextAsync(path, "repositories:\n  - name: [unclosed\n");
        var run = await RunAsync("--config", path, "info");
        AssertCleanFailure(run, 2, $"invalid YAML in {path} at line");
    }

    [Fact]
    public async Task InvalidConfigValue_Exit2_NamesKey()
    {
        using var folder = TempFolder.Create();
        var path = folder.Combine("pgark.yaml");
        await File.WriteAllTextAsync(path, """
            repositories:
              - name: local
                path: /tmp/x
                compression: zsdt
            servers:
              - name: pg1
                connection: "Host=/tmp"
                pgdata: /tmp/pg
            """);
        var run = await RunAsync("--config", path, "info");
        AssertCleanFailure(run, 2, $"invalid configuration {path}:");
        Assert.Contains("repositories[0].compression: 'zsdt' is not one of", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownOption_Exit2()
    {
        var run = await RunAsync("backup", "--server", "pg1", "--bogus");
        Assert.Equal(2, run.ExitCode);
    }

    [Fact]
    public async Task WithCluster_UnknownServer_BadTimestamp_TargetTooOld_NonEmptyPgdata()
    {
        await using var h = await PgArkHarness.CreateAsync();
        var backup = await h.RunAsync("backup", "--server", PgArkHarness.Server);
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var target = h.Folder.Combine("target");

        AssertCleanFailure(await h.RunAsync("backup", "--server", "nosuch"), 3, $"server 'nosuch' is not configured in {h.ConfigPath}");
        AssertCleanFailure(await h.RunAsync("restore", "--server", PgArkHarness.Server, "--pgdata", target, "--target-time", "yesterday-ish"), 2,
            "'yesterday-ish' is not a valid timestamp");
        AssertCleanFailure(await h.RunAsync("restore", "--server", PgArkHarness.Server, "--pgdata", target, "--target-lsn", "nope"), 2,
            "'nope' is not a valid LSN");
        AssertCleanFailure(await h.RunAsync("restore", "--server", PgArkHarness.Server, "--pgdata", target, "--target-time", "2001-01-01T00:00:00Z"), 3,
            "no backup of server 'pg1' ended before the target time 2001-01-01");
        Assert.False(Directory.Exists(target), "a refused restore must not create the target");

        Directory.CreateDirectory(target);
        await File.WriteAllTextAsync(Path.Combine(target, "precious.txt"), "keep me");
        AssertCleanFailure(await h.RunAsync("restore", "--server", PgArkHarness.Server, "--pgdata", target), 4,
            $"unable to restore into '{target}': data directory is not empty");
        Assert.Equal(["precious.txt"], Directory.GetFileSystemEntries(target).Select(Path.GetFileName));
        Assert.Equal("keep me", await File.ReadAllTextAsync(Path.Combine(target, "precious.txt")));
    }
}
