using System.Diagnostics;

namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>
/// Runs a process with an argument list (never a shell string), captures stdout and stderr, and enforces a timeout.
/// Stdin is closed at once so a child never waits on the test host's input.
/// </summary>
public static class ProcessRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    // A daemon started by the child (pg_ctl start) could inherit the pipes; don't wait for their EOF forever.
    private static readonly TimeSpan s_outputDrainTimeout = TimeSpan.FromSeconds(10);

    public static Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        RunAsync(fileName, arguments, new ProcessRunOptions(), cancellationToken);

    public static async Task<ProcessResult> RunAsync(
        string fileName, IEnumerable<string> arguments, ProcessRunOptions options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        var args = arguments.ToList();
        var asPostgres = options.RunAsPostgres && Posix.IsRoot;
        var startInfo = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (asPostgres)
        {
            startInfo.FileName = Posix.RunuserPath;
            foreach (var prefix in new[] { "-u", Posix.PostgresUser, "--", fileName })
            {
                startInfo.ArgumentList.Add(prefix);
            }
        }
        else
        {
            startInfo.FileName = fileName;
        }

        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        // The postgres user usually cannot enter the caller's directory, and initdb/pg_ctl fail on getcwd().
        startInfo.WorkingDirectory = options.WorkingDirectory ?? (asPostgres ? "/" : string.Empty);
        if (options.Environment is not null)
        {
            foreach (var (name, value) in options.Environment)
            {
                if (value is null)
                {
                    startInfo.Environment.Remove(name);
                }
                else
                {
                    startInfo.Environment[name] = value;
                }
            }
        }

        var commandLine = FormatCommandLine(asPostgres, fileName, args);
        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"unable to start '{commandLine}': {ex.Message}", ex);
        }

        process.StandardInput.Close();
        var stdoutTask = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderrTask = process.StandardError.ReadToEndAsync(CancellationToken.None);

        using var timeoutSource = new CancellationTokenSource(options.Timeout);
        using var linkedSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            await process.WaitForExitAsync(linkedSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            var partialError = await DrainAsync(stderrTask).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException(
                $"'{commandLine}' did not finish within {options.Timeout.TotalSeconds:0}s and was killed; stderr: {partialError.Trim()}");
        }

        var result = new ProcessResult(
            commandLine,
            process.ExitCode,
            await DrainAsync(stdoutTask).ConfigureAwait(false),
            await DrainAsync(stderrTask).ConfigureAwait(false));
        return options.ThrowOnFailure ? result.EnsureSuccess() : result;
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    private static async Task<string> DrainAsync(Task<string> readTask)
    {
        try
        {
            return await readTask.WaitAsync(s_outputDrainTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return "<output still open: a child process kept the pipe>";
        }
    }

    private static string FormatCommandLine(bool asPostgres, string fileName, IEnumerable<string> args)
    {
        var parts = args.Select(a => a.Length == 0 || a.Any(char.IsWhiteSpace) ? $"\"{a}\"" : a);
        var command = string.Join(' ', parts.Prepend(fileName));
        return asPostgres ? $"runuser -u {Posix.PostgresUser} -- {command}" : command;
    }
}
