using System.Text.RegularExpressions;

namespace PgArk.Core.Common;

/// <summary>
/// Last line of defence for free text that leaves the process (webhook payloads, history, logs): masks values that look
/// like secrets. PgArk's own messages never contain secrets; text from libraries and tools might.
/// </summary>
internal static partial class Redaction
{
    public const string Mask = "***";

    public static string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = SecretAssignment().Replace(text, m => $"{m.Groups["key"].Value}{m.Groups["sep"].Value}{Mask}");
        return UrlCredentials().Replace(text, m => $"{m.Groups["scheme"].Value}://{Mask}@");
    }

    [GeneratedRegex(@"(?<key>\b(?:password|passwd|pwd|secret|token|api[_-]?key|passphrase)\b)(?<sep>\s*[=:]\s*)(?:""[^""]*""|'[^']*'|[^\s;,&""']+)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretAssignment();

    [GeneratedRegex(@"(?<scheme>[a-z][a-z0-9+.-]*)://[^/\s@]+@", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlCredentials();
}
