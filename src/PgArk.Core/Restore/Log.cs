using Microsoft.Extensions.Logging;

namespace PgArk.Core.Restore;

/// <summary>Source-generated log events of the restore capability (event ids 1700–1799).</summary>
internal static partial class Log
{
    /// <summary>
    /// The stage profile of a physical restore (<c>PGARK_PROFILE=1</c>, docs/performance.md): opt-in developer diagnostics,
    /// logged rather than written to a console, which Core does not own; the CLI shows it with <c>--log-level Information</c>.
    /// </summary>
    [LoggerMessage(EventId = 1700, Level = LogLevel.Information, Message = "{Profile}")]
    public static partial void RestoreProfile(ILogger logger, string profile);
}
