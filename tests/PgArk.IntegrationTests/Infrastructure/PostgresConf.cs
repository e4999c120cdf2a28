using System.Text;
using System.Text.RegularExpressions;

namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>Quoting for postgresql.conf lines, ALTER SYSTEM and pg_ctl's shell-interpreted <c>-o</c> option.</summary>
internal static partial class PostgresConf
{
    /// <summary><c>name = 'value'</c>; a quoted value is valid for every setting type.</summary>
    public static string Line(string name, string value) => $"{ValidateName(name)} = {Literal(value)}";

    /// <summary>A single-quoted literal; the conf parser also reads backslash escapes, so those are doubled too.</summary>
    public static string Literal(string value) => "'" + value.Replace("\\", "\\\\").Replace("'", "''") + "'";

    public static string ValidateName(string name) =>
        SettingName().IsMatch(name) ? name : throw new ArgumentException($"'{name}' is not a valid setting name", nameof(name));

    /// <summary>pg_ctl pastes <c>-o</c> into a <c>/bin/sh</c> command line, so each token is single-quoted for the shell.</summary>
    public static string ShellJoin(IEnumerable<string> tokens)
    {
        var builder = new StringBuilder();
        foreach (var token in tokens)
        {
            builder.Append(builder.Length == 0 ? "'" : " '").Append(token.Replace("'", "'\\''")).Append('\'');
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.]*$")]
    private static partial Regex SettingName();
}
