using PgArk.Core.Errors;
using PgArk.Core.Wal;

namespace PgArk.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            cancellation.Cancel();
        });
        return await RunAsync(args, Console.Out, Console.Error, cancellation.Token);
    }

    /// <summary>
    /// Exit status of archive-get for every failure other than "the file is in no repository". PostgreSQL treats any
    /// restore_command status up to 125 as "not in the archive" and would end recovery there and promote; a status above
    /// 125 (or a signal) makes it stop recovery with FATAL instead. See DESIGN.md, "Exit codes".
    /// </summary>
    public const int ArchiveGetFailureExitCode = 126;

    /// <summary>The single catch-all: every failure becomes one message line (plus a hint) and its exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var (exitCode, failure) = await RunCommandAsync(args, stdout, stderr, cancellationToken);
        // archive-get (restore_command) may answer 3 only for WalNotArchivedException: a usage error, a missing or bad
        // configuration, an unknown server, an unreadable repository or an unexpected exception must all stop recovery.
        return IsArchiveGet(args) && exitCode is not 0 && failure is not WalNotArchivedException
            ? ArchiveGetFailureExitCode
            : exitCode;
    }

    /// <summary>The command is the first token that is neither a global option nor its value.</summary>
    private static bool IsArchiveGet(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--config" or "--output" or "--log-level")
            {
                i++;
                continue;
            }
            if (!args[i].StartsWith('-'))
            {
                return args[i] == "archive-get";
            }
        }
        return false;
    }

    private static async Task<(int ExitCode, Exception? Failure)> RunCommandAsync(string[] args, TextWriter stdout, TextWriter stderr,
        CancellationToken cancellationToken)
    {
        try
        {
            return (await PgArkCommandLine.InvokeAsync(args, stdout, stderr, cancellationToken), null);
        }
        catch (PgArkException ex)
        {
            await stderr.WriteLineAsync($"pgark: {ex.Message}");
            if (ex.Hint is not null)
            {
                await stderr.WriteLineAsync($"hint: {ex.Hint}");
            }
            return (ex.ExitCode, ex);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync("pgark: cancelled");
            return (130, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"pgark: {ex.Message}");
            return ((int)ErrorKind.Failed, ex);
        }
        catch (Exception ex)
        {
            await stderr.WriteLineAsync($"pgark: unexpected {ex.GetType().Name}: {ex.Message}");
            if (Environment.GetEnvironmentVariable("PGARK_DEBUG") == "1")
            {
                await stderr.WriteLineAsync(ex.ToString());
            }
            return ((int)ErrorKind.Failed, ex);
        }
    }
}
