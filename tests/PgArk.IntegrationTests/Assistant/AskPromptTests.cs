using System.Diagnostics;
using System.Text;
using PgArk.IntegrationTests.Harness;

namespace PgArk.IntegrationTests.Assistant;

/// <summary>
/// The <c>backup&gt;</c> prompt of the real pgark executable: fed through piped stdin (plain line reading, destructive
/// steps refused without a terminal unless --yes), and through a pseudo-terminal (<c>script</c>) where the up arrow
/// recalls the previous request, from this session or, through the history file, the one before.
/// </summary>
[Collection(TwoAgentsCollection.Name)]
public class AskPromptTests(TwoAgentsFixture fixture)
{
    private async Task<(int ExitCode, string Stdout, string Stderr)> PipeAsync(string input, params string[] extra)
    {
        var info = new ProcessStartInfo(PgArkHarness.Executable)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in (string[])["--config", fixture.SupervisorConfig, "ask", .. extra])
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task PipedPrompt_SeveralRequests_EachPlannedAndAnswered_DestructiveRefused()
    {
        var (exit, stdout, stderr) = await PipeAsync(
            "list backups for customer_db\nexpire old backups on pg2/pg1 as a dry run\ncreate backup for custmer_db\n\nexit\nlist databases\n");

        Assert.Contains("Plan (parser):\n  1. server pg1/pg1: list_backups {\"server\":\"pg1\",\"database\":\"customer_db\"}", stdout, StringComparison.Ordinal);
        Assert.Contains("pg1/pg1 list_backups:", stdout, StringComparison.Ordinal);
        Assert.Contains("1. server pg2/pg1: expire {\"server\":\"pg1\",\"dry_run\":true}  [destructive]", stdout, StringComparison.Ordinal);
        Assert.Contains("pgark: 'expire' is destructive and there is no terminal to confirm on", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("pg2/pg1 expire:", stdout, StringComparison.Ordinal);
        Assert.Contains("Database 'custmer_db' is not known. Did you mean customer_db?", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("list_databases", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("backup> ", stdout, StringComparison.Ordinal);
        Assert.Equal(2, exit);
    }

    [Fact]
    public async Task PipedPrompt_WithYes_RunsTheDestructiveStep()
    {
        var (exit, stdout, stderr) = await PipeAsync("expire old backups on pg2/pg1 as a dry run\n", "--yes");

        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("pg2/pg1 expire:", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TerminalPrompt_UpArrow_RecallsThePreviousRequest_AlsoInTheNextSessionFromTheHistoryFile()
    {
        var history = fixture.First.Folder.Combine($"history-{Guid.NewGuid():N}");
        var expected = "1. server pg2/pg1: list_backups {\"server\":\"pg1\",\"database\":\"hr_db\"}";

        var (first, firstExit) = await TerminalSessionAsync(history, ["list backups for hr_db\r", "\u001b[A\r"]);

        Assert.Equal(2, Count(first, expected));
        Assert.Equal(0, firstExit);
        Assert.Equal(["list backups for hr_db"], await File.ReadAllLinesAsync(history));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(history));

        // A new process: the up arrow reaches the request of the session before.
        var (second, secondExit) = await TerminalSessionAsync(history, ["\u001b[A\r"]);

        Assert.Equal(1, Count(second, expected));
        Assert.Equal(0, secondExit);
    }

    private static int Count(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    /// <summary>Runs <c>ask --dry-run</c> on a pseudo-terminal (<c>script</c>), types each input after a prompt, then exits.</summary>
    private async Task<(string Output, int ExitCode)> TerminalSessionAsync(string historyFile, string[] inputs)
    {
        var command = $"{Quote(PgArkHarness.Executable)} --config {Quote(fixture.SupervisorConfig)} ask --dry-run";
        var info = new ProcessStartInfo("script") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in (string[])["-q", "-e", "-c", command, "/dev/null"])
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["TERM"] = "xterm";
        info.Environment["PGARK_HISTORY"] = historyFile;
        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        var reader = Task.Run(async () =>
        {
            var buffer = new char[4096];
            int read;
            while ((read = await process.StandardOutput.ReadAsync(buffer)) > 0)
            {
                lock (output)
                {
                    output.Append(buffer, 0, read);
                }
            }
        });
        string Seen()
        {
            lock (output)
            {
                return output.ToString();
            }
        }
        async Task WaitForAsync(Func<string, bool> condition)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            while (!condition(Seen()))
            {
                await Task.Delay(50, timeout.Token);
            }
        }

        await WaitForAsync(s => s.Contains("backup> ", StringComparison.Ordinal));
        for (var i = 0; i < inputs.Length; i++)
        {
            await process.StandardInput.WriteAsync(inputs[i]);
            await process.StandardInput.FlushAsync();
            var planned = i + 1;
            await WaitForAsync(s => Count(s, "list_backups {") == planned && Count(s, "backup> ") >= planned + 1);
        }
        await process.StandardInput.WriteAsync("exit\r");
        await process.StandardInput.FlushAsync();
        using var exitTimeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(exitTimeout.Token);
        await reader;
        return (Seen(), process.ExitCode);
    }

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
