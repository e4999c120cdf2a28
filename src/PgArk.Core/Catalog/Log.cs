using Microsoft.Extensions.Logging;

namespace PgArk.Core.Catalog;

/// <summary>Source-generated log events of the catalog capability (event ids 1000–1099; the ranges per capability are listed in docs/architecture.md).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Warning, Message = "unable to write the {Operation} run of server '{Server}' to the catalog table {Table}: {Message}")]
    public static partial void HistoryRowNotWritten(ILogger logger, string operation, string? server, string table, string message);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "unable to add the store column to the catalog table {Table} ({Message}); runs are recorded without it")]
    public static partial void HistoryStoreColumnNotAdded(ILogger logger, string table, string message);
}
