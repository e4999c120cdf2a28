using System.Diagnostics;
using System.Text;
using PgArk.Core.Errors;

namespace PgArk.Core.Common;

internal sealed record ProcessOutcome(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// Runs external programs (initdb, pg_ctl, pg_amcheck) with an argument list, never a shell string. When PgArk runs as
/// root, PostgreSQL programs are run as the <c>postgres</c> OS user, because the server refuses to run as root.
/// </summary>
internal static class ProcessRunner
{
    public static async Task<ProcessOutcome> RunAsync(string fileName, IEnumerable<string> arguments, bool asPostgresUser, TimeSpan timeout,
        CancellationToken cancellationToken, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "/",
        };
        if (asPostgresUser && Libc.IsRoot)
        {
            info.FileName = "runuser";
            info.ArgumentList.Add("-u");
            info.ArgumentList.Add("postgres");
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(fileName);
        }
        else
        {
            info.FileName = fileName;
        }
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = new Process { StartInfo = info };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new OperationFailedException($"unable to run '{fileName}': {ex.Message}");
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            throw new OperationFailedException($"'{Path.GetFileName(fileName)}' did not finish within {timeout.TotalSeconds:0} s");
        }
        process.WaitForExit();
        return new ProcessOutcome(process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    public static async Task<ProcessOutcome> RunCheckedAsync(string fileName, IEnumerable<string> arguments, bool asPostgresUser, TimeSpan timeout,
        CancellationToken cancellationToken, string? workingDirectory = null)
    {
        var outcome = await RunAsync(fileName, arguments, asPostgresUser, timeout, cancellationToken, workingDirectory).ConfigureAwait(false);
        if (outcome.ExitCode != 0)
        {
            var detail = (outcome.StandardError.Length > 0 ? outcome.StandardError : outcome.StandardOutput).Trim();
            throw new OperationFailedException($"'{Path.GetFileName(fileName)}' failed with exit code {outcome.ExitCode}: {detail}");
        }
        return outcome;
    }
}
