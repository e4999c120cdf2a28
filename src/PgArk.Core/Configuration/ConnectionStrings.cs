using System.Text;

namespace PgArk.Core.Configuration;

/// <summary>Helpers for Npgsql connection strings that may carry secrets.</summary>
public static class ConnectionStrings
{
    /// <summary>What replaces a secret value in <see cref="Redact"/>'s output.</summary>
    public const string Mask = "***";

    // Npgsql's Password keyword and its synonyms, plus the client-key passphrase; compared without spaces.
    private static readonly HashSet<string> s_secretKeywords =
        new(StringComparer.OrdinalIgnoreCase) { "password", "pwd", "psw", "sslpassword" };

    /// <summary>
    /// The connection string with every password value replaced by <see cref="Mask"/>, for logs and messages.
    /// Works on malformed input too: a segment that is not <c>key=value</c> may be the tail of an unquoted
    /// password containing ';', so it is masked as well.
    /// </summary>
    public static string Redact(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var s = connectionString;
        var result = new StringBuilder(s.Length);
        var i = 0;
        while (i < s.Length)
        {
            var keyEnd = FindKeyEnd(s, i);
            if (keyEnd < 0 || s[keyEnd] == ';')
            {
                // No '=' in this segment: keep blank ones (a trailing ';'), mask anything else.
                var end = keyEnd < 0 ? s.Length : keyEnd;
                result.Append(string.IsNullOrWhiteSpace(s[i..end]) ? s[i..end] : Mask);
                i = end;
            }
            else
            {
                var key = s[i..keyEnd];
                var valueEnd = FindValueEnd(s, keyEnd + 1);
                result.Append(key).Append('=');
                result.Append(IsSecret(key) ? Mask : s[(keyEnd + 1)..valueEnd]);
                i = valueEnd;
            }

            if (i < s.Length)
            {
                result.Append(';');
                i++;
            }
        }

        return result.ToString();
    }

    private static bool IsSecret(string key) => s_secretKeywords.Contains(key.Replace(" ", "", StringComparison.Ordinal).Trim());

    // Index of the '=' that ends the key (a doubled "==" is a literal '=' in a key), of the ';' that ends a
    // segment without '=', or -1 at the end of the string.
    private static int FindKeyEnd(string s, int start)
    {
        for (var i = start; i < s.Length; i++)
        {
            if (s[i] == ';')
            {
                return i;
            }

            if (s[i] == '=')
            {
                if (i + 1 < s.Length && s[i + 1] == '=')
                {
                    i++;
                    continue;
                }

                return i;
            }
        }

        return -1;
    }

    // Index just past the value that starts at 'start': a quoted value runs to its closing quote (doubled quotes
    // are literal), anything else to the next ';'.
    private static int FindValueEnd(string s, int start)
    {
        var i = start;
        while (i < s.Length && char.IsWhiteSpace(s[i]))
        {
            i++;
        }

        if (i < s.Length && s[i] is '"' or '\'')
        {
            var quote = s[i];
            i++;
            while (i < s.Length)
            {
                if (s[i] == quote)
                {
                    if (i + 1 < s.Length && s[i + 1] == quote)
                    {
                        i += 2;
                        continue;
                    }

                    i++;
                    break;
                }

                i++;
            }
        }

        while (i < s.Length && s[i] != ';')
        {
            i++;
        }

        return i;
    }
}
