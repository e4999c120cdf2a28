namespace PgArk.Assistant.Parsing;

/// <summary>A point in time found in a request, or "latest"; <see cref="Text"/> is the part of the request it came from.</summary>
internal sealed record TimeExpression(DateTimeOffset? Time, bool Latest, string Text, string? Problem = null)
{
    /// <summary>ISO 8601 with the offset of the zone it was resolved in, e.g. 2025-09-10T10:30:00+02:00.</summary>
    public string? Iso => Time?.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", System.Globalization.CultureInfo.InvariantCulture);
}
