using PgArk.IntegrationTests.Harness;

namespace PgArk.IntegrationTests.Verification;

/// <summary>
/// <c>verify-restore</c> restores the newest backup into a sandbox, runs amcheck and the configured checks, records the
/// result, and leaves no sandbox folder or server process behind, whether the checks pass or fail.
/// </summary>
public class VerifyRestoreTests
{
    [Fact]
    public async Task VerifyRestore_PassingAndFailingChecks_ExitCodesHistoryAndNoSandboxLeft()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await h.Cluster.ExecuteAsync("""
            CREATE TABLE users (id int PRIMARY KEY, name text);
            CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users);
            INSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, 12) g;
            INSERT INTO orders SELECT g, 1 + g % 12 FROM generate_series(1, 30) g;
            """);
        var backup = await h.RunAsync("backup", "--server", PgArkHarness.Server, "--type", "full");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var original = await File.ReadAllTextAsync(h.ConfigPath);
        var sandbox = h.Folder.Combine("sandbox");
        Directory.CreateDirectory(sandbox);

        await WriteVerifyAsync(h, original, "amcheck: true", "[users, orders]");
        var pass = await h.RunAsync("verify-restore", "--server", PgArkHarness.Server, "--sandbox-dir", sandbox);
        Assert.True(pass.ExitCode == 0, pass.ToString());
        Assert.Contains("passed", pass.Stdout, StringComparison.Ordinal);
        Assert.Contains("ok  amcheck", pass.Stdout, StringComparison.Ordinal);
        Assert.Contains("ok  postgres: table users has at least 10 rows: 12 rows", pass.Stdout, StringComparison.Ordinal);
        Assert.Contains("ok  postgres: query two-tables", pass.Stdout, StringComparison.Ordinal);
        AssertNoSandboxLeft(sandbox);

        await WriteVerifyAsync(h, original, "amcheck: false", "[users, invoices]");
        var fail = await h.RunAsync("verify-restore", "--server", PgArkHarness.Server, "--sandbox-dir", sandbox);
        Assert.True(fail.ExitCode == 5, fail.ToString());
        Assert.Contains("1 of 4 checks failed: postgres: table invoices exists (table invoices does not exist)", fail.Stderr, StringComparison.Ordinal);
        AssertNoSandboxLeft(sandbox);

        var history = Directory.GetFiles(Path.Combine(h.RepositoryPath, "servers", PgArkHarness.Server, "history"), "*-verify-restore.json");
        Assert.Equal(2, history.Length);
        var info = await h.RunAsync("info", "--server", PgArkHarness.Server);
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains("last verify-restore: FAILED", info.Stdout, StringComparison.Ordinal);
        Assert.Contains("3/4 checks passed", info.Stdout, StringComparison.Ordinal);
    }

    private static Task WriteVerifyAsync(PgArkHarness h, string original, string amcheck, string tables) =>
        File.WriteAllTextAsync(h.ConfigPath, original.TrimEnd() + $$"""

                verify:
                  {{amcheck}}
                  databases:
                    postgres:
                      tables: {{tables}}
                      minRows: { users: 10 }
                      queries:
                        two-tables: "SELECT count(*) = 2 FROM information_schema.tables WHERE table_schema = 'public'"

            """);

    private static void AssertNoSandboxLeft(string sandbox)
    {
        Assert.Empty(Directory.GetFileSystemEntries(sandbox));
        // No server process may still run from a sandbox data directory.
        foreach (var process in Directory.GetDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            string commandLine;
            try
            {
                commandLine = File.ReadAllText(Path.Combine(process, "cmdline")).Replace('\0', ' ');
            }
            catch (IOException)
            {
                continue;
            }
            Assert.DoesNotContain(sandbox, commandLine, StringComparison.Ordinal);
        }
    }
}
