namespace PgArk.Core.Common;

/// <summary>How to start this program again from a shell (PostgreSQL runs archive_command and restore_command with sh).</summary>
internal static class SelfCommand
{
    /// <summary>Environment variable naming the pgark executable to write into PostgreSQL's configuration.</summary>
    public const string ExecutableVariable = "PGARK_EXECUTABLE";

    public static string Detect()
    {
        if (Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } configured)
        {
            return ShellQuote(configured);
        }
        var process = Environment.ProcessPath ?? "pgark";
        var name = Path.GetFileNameWithoutExtension(process);
        if (name == "dotnet")
        {
            // Started as 'dotnet pgark.dll': the command needs both.
            var assembly = System.Reflection.Assembly.GetEntryAssembly()?.Location;
            return assembly is null ? ShellQuote(process) : $"{ShellQuote(process)} {ShellQuote(assembly)}";
        }
        return ShellQuote(process);
    }

    /// <summary>POSIX shell single-quoting.</summary>
    public static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
