using System.CommandLine;
using Microsoft.Extensions.Logging;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;

namespace PgArk.Cli;

public enum OutputFormat
{
    Text,
    Json,
}

/// <summary>What every command gets: parsed global options, output writers, and the operation context (config loaded on demand).</summary>
internal sealed class CliContext(ParseResult parseResult, TextWriter stdout, TextWriter stderr) : IDisposable
{
    private ILoggerFactory? _loggerFactory;

    public ParseResult ParseResult { get; } = parseResult;
    public TextWriter Out { get; } = stdout;
    public TextWriter Error { get; } = stderr;
    public OutputFormat Format => ParseResult.GetValue(GlobalOptions.Output);
    public string? ConfigPath => ParseResult.GetValue(GlobalOptions.Config);

    public ILoggerFactory LoggerFactory => _loggerFactory ??= new Rendering.StderrLoggerFactory(Error, ParseResult.GetValue(GlobalOptions.LogLevel));

    private readonly List<OperationContext> _operationContexts = [];

    /// <param name="standardOutput">Opens stdout for an operation that streams to it (<see cref="OperationContext.StandardOutput"/>).</param>
    public OperationContext LoadOperationContext(Func<Stream>? standardOutput = null)
    {
        var operationContext = new OperationContext(ConfigLoader.Load(ConfigPath), LoggerFactory) { StandardOutput = standardOutput };
        _operationContexts.Add(operationContext);
        return operationContext;
    }

    /// <summary>Lets webhooks queued by this command's runs go out before the process exits (bounded: never hangs the CLI).</summary>
    public async Task FlushNotificationsAsync()
    {
        foreach (var operationContext in _operationContexts)
        {
            await operationContext.Runs.FlushAsync(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>Whether to draw a progress bar: only for text output on an interactive terminal.</summary>
    public bool ShowProgress => Format == OutputFormat.Text && !Console.IsErrorRedirected && ReferenceEquals(Error, Console.Error);

    public void Dispose() => _loggerFactory?.Dispose();
}

internal static class GlobalOptions
{
    public static readonly Option<string?> Config = new("--config")
    {
        Description = "Configuration file (default: $PGARK_CONFIG, ./pgark.yaml, /etc/pgark/pgark.yaml)",
        Recursive = true,
    };

    public static readonly Option<OutputFormat> Output = new("--output")
    {
        Description = "Output format: text or json",
        Recursive = true,
        DefaultValueFactory = _ => OutputFormat.Text,
    };

    public static readonly Option<LogLevel> LogLevel = new("--log-level")
    {
        Description = "Log level on stderr (Trace, Debug, Information, Warning, Error)",
        Recursive = true,
        DefaultValueFactory = _ => Microsoft.Extensions.Logging.LogLevel.Warning,
    };
}
