using PgArk.Core.Configuration;
using PgArk.Core.Errors;

namespace PgArk.Tests.Configuration;

/// <summary>Parses YAML text as <c>pgark.yaml</c> for the configuration tests (one source path, an optional fake environment).</summary>
internal static class ConfigText
{
    public const string Source = "/etc/pgark/pgark.yaml";

    public static PgArkOptions Parse(string yaml, Dictionary<string, string>? environment = null) =>
        ConfigLoader.Parse(yaml, Source, name => environment?.GetValueOrDefault(name));

    /// <summary>The one-message error of an invalid file; a configuration error always exits 2.</summary>
    public static string ParseError(string yaml, Dictionary<string, string>? environment = null)
    {
        var e = Assert.Throws<ConfigurationException>(() => Parse(yaml, environment));
        Assert.Equal(2, e.ExitCode);
        return e.Message;
    }

    /// <summary>The message listing <paramref name="lines"/> as the problems of <see cref="Source"/>.</summary>
    public static string Invalid(params string[] lines) =>
        $"invalid configuration {Source}:" + string.Concat(lines.Select(l => "\n  " + l));
}
