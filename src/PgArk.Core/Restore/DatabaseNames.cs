using System.Text;
using PgArk.Core.Errors;

namespace PgArk.Core.Restore;

/// <summary>
/// Names of the databases a database-level restore creates next to the live one. PostgreSQL truncates identifiers
/// at 63 bytes (NAMEDATALEN - 1), which could make two names collide, so the database's part is shortened instead.
/// </summary>
internal static class DatabaseNames
{
    public const int MaxBytes = 63;

    public static string Restoring(string database, string stamp) => WithSuffix(database, $"_restoring_{stamp}");

    public static string BeforeRestore(string database, string stamp) => WithSuffix(database, $"_before_restore_{stamp}");

    /// <summary>UTC time as yyyyMMddHHmmss: sortable, and valid unquoted in an identifier.</summary>
    public static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);

    public static void Validate(string name, string what)
    {
        if (string.IsNullOrEmpty(name) || Encoding.UTF8.GetByteCount(name) > MaxBytes || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new UsageException($"'{name}' is not a valid {what}: database names are 1 to {MaxBytes} bytes");
        }
    }

    /// <summary><paramref name="name"/> + <paramref name="suffix"/>, the name shortened (never the suffix) to fit 63 bytes.</summary>
    public static string WithSuffix(string name, string suffix)
    {
        var room = MaxBytes - Encoding.UTF8.GetByteCount(suffix);
        var prefix = new StringBuilder();
        foreach (var rune in name.EnumerateRunes())
        {
            if (Encoding.UTF8.GetByteCount(prefix.ToString()) + rune.Utf8SequenceLength > room)
            {
                break;
            }
            prefix.Append(rune.ToString());
        }
        return prefix + suffix;
    }
}
