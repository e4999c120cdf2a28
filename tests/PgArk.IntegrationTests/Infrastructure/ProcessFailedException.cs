namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>A process exited with a non-zero code; the message carries its stderr (or stdout when stderr is empty).</summary>
public sealed class ProcessFailedException : Exception
{
    private const int MaxOutputChars = 4000;

    public ProcessFailedException(ProcessResult result)
        : base(BuildMessage(result))
    {
        Result = result;
    }

    public ProcessResult Result { get; }

    private static string BuildMessage(ProcessResult result)
    {
        var output = result.StandardError.Trim();
        if (output.Length == 0)
        {
            output = result.StandardOutput.Trim();
        }

        if (output.Length > MaxOutputChars)
        {
            output = "..." + output[^MaxOutputChars..];
        }

        return $"'{result.CommandLine}' exited with code {result.ExitCode}: {output}";
    }
}
