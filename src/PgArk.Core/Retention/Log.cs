using Microsoft.Extensions.Logging;

namespace PgArk.Core.Retention;

/// <summary>Source-generated log events of the retention capability (event ids 2100–2199; the ranges per capability are listed in docs/architecture.md).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "expiring backup {Id} of server '{Server}': {Reason}")]
    public static partial void ExpiringBackup(ILogger logger, string id, string server, string reason);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "expired {Count} WAL files of server '{Server}' ({Bytes} bytes)")]
    public static partial void ExpiredWal(ILogger logger, int count, string server, long bytes);
}
