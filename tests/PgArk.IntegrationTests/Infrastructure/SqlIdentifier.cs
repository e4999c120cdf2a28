namespace PgArk.IntegrationTests.Infrastructure;

internal static class SqlIdentifier
{
    /// <summary>A double-quoted identifier: exact, never case-folded.</summary>
    public static string Quote(string identifier)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return "\"" + identifier.Replace("\"", "\"\"") + "\"";
    }
}
