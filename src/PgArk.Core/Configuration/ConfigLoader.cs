using PgArk.Core.Errors;

namespace PgArk.Core.Configuration;

/// <summary>
/// Finds, reads and validates <c>pgark.yaml</c>. Every problem surfaces as a <see cref="ConfigurationException"/>
/// (exit code 2); no message ever contains a secret value.
/// </summary>
public static class ConfigLoader
{
    /// <summary>Environment variable naming the configuration file when <c>--config</c> is not given.</summary>
    public const string ConfigEnvironmentVariable = "PGARK_CONFIG";

    /// <summary>File name looked for in the current directory.</summary>
    public const string FileName = "pgark.yaml";

    /// <summary>System-wide configuration file, the last place looked in.</summary>
    public const string SystemPath = "/etc/pgark/pgark.yaml";

    /// <summary>
    /// Loads the configuration from the first of: <paramref name="explicitPath"/> (<c>--config</c>), the file named by
    /// <c>$PGARK_CONFIG</c>, <c>./pgark.yaml</c>, <c>/etc/pgark/pgark.yaml</c>. A file named explicitly (by the
    /// argument or the variable) must exist; the other two are skipped when absent.
    /// </summary>
    /// <exception cref="ConfigurationException">
    /// No file found, a named file is missing or unreadable, or the content is invalid.
    /// </exception>
    public static PgArkOptions Load(string? explicitPath) =>
        Load(explicitPath, Environment.GetEnvironmentVariable, Directory.GetCurrentDirectory(), SystemPath);

    /// <summary>
    /// Validates configuration text. <paramref name="sourcePath"/> is used only in messages and
    /// <see cref="PgArkOptions.SourcePath"/>. Secrets named by <c>connectionEnv</c>, <c>passwordEnv</c> and
    /// <c>connectionFile</c> are resolved now.
    /// </summary>
    /// <exception cref="ConfigurationException">
    /// Malformed YAML (with line and column), or every validation problem in one message.
    /// </exception>
    public static PgArkOptions Parse(string yamlText, string sourcePath) =>
        Parse(yamlText, sourcePath, Environment.GetEnvironmentVariable);

    internal static PgArkOptions Parse(string yamlText, string sourcePath, Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(yamlText);
        ArgumentException.ThrowIfNullOrEmpty(sourcePath);
        return new ConfigParser(sourcePath, getEnvironmentVariable).Parse(yamlText);
    }

    internal static PgArkOptions Load(
        string? explicitPath, Func<string, string?> getEnvironmentVariable, string currentDirectory, string systemPath)
    {
        var path = Locate(explicitPath, getEnvironmentVariable, currentDirectory, systemPath);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"unable to read configuration file '{path}': {e.Message}", innerException: e);
        }

        return Parse(text, path, getEnvironmentVariable);
    }

    /// <summary>Full path of the configuration file to use, following the lookup order of <see cref="Load(string?)"/>.</summary>
    internal static string Locate(
        string? explicitPath, Func<string, string?> getEnvironmentVariable, string currentDirectory, string systemPath)
    {
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return RequireFile(Path.GetFullPath(explicitPath, currentDirectory), "check the --config argument");
        }

        var fromEnvironment = getEnvironmentVariable(ConfigEnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return RequireFile(
                Path.GetFullPath(fromEnvironment, currentDirectory),
                $"the file is named by ${ConfigEnvironmentVariable}; fix or unset it");
        }

        string[] candidates = [Path.Combine(currentDirectory, FileName), systemPath];
        foreach (var candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new ConfigurationException(
            $"no configuration file found (looked in: {string.Join(", ", candidates)})",
            $"pass --config FILE, set ${ConfigEnvironmentVariable}, or run 'pgark quickstart' to try PgArk on a sandbox");
    }

    private static string RequireFile(string path, string hint)
    {
        if (File.Exists(path))
        {
            return path;
        }

        throw new ConfigurationException(
            Directory.Exists(path)
                ? $"configuration file '{path}' is a directory"
                : $"configuration file '{path}' does not exist",
            hint);
    }
}
