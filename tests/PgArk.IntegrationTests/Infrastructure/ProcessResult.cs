namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>The outcome of one process run. <see cref="CommandLine"/> is for messages only, never for a shell.</summary>
public sealed record ProcessResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>Stdout followed by stderr, for assertion messages.</summary>
    public string Output => string.IsNullOrEmpty(StandardError) ? StandardOutput : $"{StandardOutput}{StandardError}";

    /// <summary>Returns this result, or throws <see cref="ProcessFailedException"/> when the exit code is not 0.</summary>
    public ProcessResult EnsureSuccess() => Succeeded ? this : throw new ProcessFailedException(this);
}
