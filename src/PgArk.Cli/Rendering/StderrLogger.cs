using Microsoft.Extensions.Logging;

namespace PgArk.Cli.Rendering;

/// <summary>
/// Logs to stderr as "HH:mm:ss.fff level: message". Deliberately tiny: PostgreSQL starts pgark once per WAL segment, and
/// the console logger package alone (with the DI, options and configuration it brings) costs ~140 ms of start-up.
/// </summary>
internal sealed class StderrLoggerFactory(TextWriter writer, LogLevel minimum) : ILoggerFactory
{
    private readonly Lock _gate = new();
    private readonly TextWriter _writer = writer;
    private readonly LogLevel _minimum = minimum;

    public ILogger CreateLogger(string categoryName) => new StderrLogger(this);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class StderrLogger(StderrLoggerFactory factory) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= factory._minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var level = logLevel switch
            {
                LogLevel.Trace => "trace",
                LogLevel.Debug => "debug",
                LogLevel.Information => "info",
                LogLevel.Warning => "warning",
                LogLevel.Error => "error",
                _ => "critical",
            };
            var line = $"{DateTime.UtcNow:HH:mm:ss.fff} {level}: {formatter(state, exception)}";
            if (exception is not null && logLevel <= LogLevel.Debug)
            {
                line += $" ({exception.GetType().Name}: {exception.Message})";
            }
            lock (factory._gate)
            {
                factory._writer.WriteLine(line);
            }
        }
    }
}
