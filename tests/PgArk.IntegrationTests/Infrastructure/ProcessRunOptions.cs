namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>How <see cref="ProcessRunner"/> runs one process.</summary>
public sealed record ProcessRunOptions
{
    /// <summary>
    /// Run the process as the <c>postgres</c> OS user (through <c>runuser -u postgres --</c>) when the tests run as
    /// root; PostgreSQL refuses to run as root. Ignored when not root: the process then runs as the current user.
    /// </summary>
    public bool RunAsPostgres { get; init; }

    /// <summary>Wall-clock limit; on expiry the whole process tree is killed and a <see cref="TimeoutException"/> thrown.</summary>
    public TimeSpan Timeout { get; init; } = ProcessRunner.DefaultTimeout;

    /// <summary>Throw a <see cref="ProcessFailedException"/> (which carries stderr) when the exit code is not 0.</summary>
    public bool ThrowOnFailure { get; init; }

    /// <summary>Working directory; defaults to the current one, or <c>/</c> when running as postgres under root.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Environment changes for the child: a null value removes the variable.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }
}
