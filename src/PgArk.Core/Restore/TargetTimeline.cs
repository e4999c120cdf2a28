using System.Globalization;
using PgArk.Core.Errors;

namespace PgArk.Core.Restore;

/// <summary>
/// The timeline recovery follows (recovery_target_timeline): <c>latest</c> (the newest timeline in the archive, PostgreSQL's
/// default since 12), <c>current</c> (the backup's own timeline) or a timeline id.
/// </summary>
internal sealed record TargetTimeline
{
    private TargetTimeline(string setting, uint? id) => (Setting, Id) = (setting, id);

    /// <summary>The value written to recovery_target_timeline.</summary>
    public string Setting { get; }

    /// <summary>The timeline id when one was given, else null.</summary>
    public uint? Id { get; }

    public static TargetTimeline Latest { get; } = new("latest", null);
    public static TargetTimeline Current { get; } = new("current", null);

    public static TargetTimeline Parse(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Equals("latest", StringComparison.OrdinalIgnoreCase))
        {
            return Latest;
        }
        if (trimmed.Equals("current", StringComparison.OrdinalIgnoreCase))
        {
            return Current;
        }
        if (uint.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id >= 1)
        {
            return new TargetTimeline(id.ToString(CultureInfo.InvariantCulture), id);
        }
        throw new UsageException($"'{text}' is not a valid target timeline", "use latest (the default), current, or a timeline id " +
            "such as 2");
    }

    public override string ToString() => Setting;
}
