using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace PgArk.Cli.Rendering;

/// <summary>Writes results: JSON (only JSON on stdout) or human-readable text and tables.</summary>
internal static class Output
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static async Task WriteJsonAsync<T>(TextWriter writer, T value)
    {
        await writer.WriteLineAsync(JsonSerializer.Serialize(value, s_json));
    }

    /// <summary>A Spectre console that renders to the given writer (stdout), without colours when it is not a terminal.</summary>
    public static IAnsiConsole Console(TextWriter writer)
    {
        var console = Create(writer);
        if (!ReferenceEquals(writer, System.Console.Out) || System.Console.IsOutputRedirected)
        {
            // Not a terminal: do not wrap tables at 80 columns; scripts and logs read whole lines.
            console.Profile.Width = 240;
        }
        return console;
    }

    private static IAnsiConsole Create(TextWriter writer) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(writer),
        Ansi = ReferenceEquals(writer, System.Console.Out) && !System.Console.IsOutputRedirected ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = ReferenceEquals(writer, System.Console.Out) && !System.Console.IsOutputRedirected ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        Interactive = InteractionSupport.No,
    });

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.00} GB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MB",
        >= 1L << 10 => $"{bytes / 1024.0:0.0} kB",
        _ => $"{bytes} B",
    };

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + "Z";
}
