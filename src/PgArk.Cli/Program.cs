using PgArk.Core.Errors;

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

    /// <summary>The single catch-all: every failure becomes one message line (plus a hint) and its exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        try
        {
            return await PgArkCommandLine.InvokeAsync(args, stdout, stderr, cancellationToken);
        }
        catch (PgArkException ex)
        {
            await stderr.WriteLineAsync($"pgark: {ex.Message}");
            if (ex.Hint is not null)
            {
                await stderr.WriteLineAsync($"hint: {ex.Hint}");
            }
            return ex.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync("pgark: cancelled");
            return 130;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"pgark: {ex.Message}");
            return (int)ErrorKind.Failed;
        }
        catch (Exception ex)
        {
            await stderr.WriteLineAsync($"pgark: unexpected {ex.GetType().Name}: {ex.Message}");
            if (Environment.GetEnvironmentVariable("PGARK_DEBUG") == "1")
            {
                await stderr.WriteLineAsync(ex.ToString());
            }
            return (int)ErrorKind.Failed;
        }
    }
}
