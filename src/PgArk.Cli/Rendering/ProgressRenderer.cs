using PgArk.Core.Common;
using Spectre.Console;

namespace PgArk.Cli.Rendering;

/// <summary>Runs an operation with a progress bar on stderr when it is a terminal; otherwise runs it silently.</summary>
internal static class ProgressRenderer
{
    public static async Task<T> RunAsync<T>(CliContext context, string title, Func<IProgress<OperationProgress>?, Task<T>> action)
    {
        if (!context.ShowProgress)
        {
            return await action(null);
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        T result = default!;
        await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(title, maxValue: 1);
                var progress = new Progress<OperationProgress>(p =>
                {
                    task.Description = $"{title}: {p.Phase}";
                    if (p.BytesTotal > 0)
                    {
                        task.MaxValue = p.BytesTotal;
                        task.Value = Math.Min(p.BytesDone, p.BytesTotal);
                    }
                });
                result = await action(progress);
                task.Value = task.MaxValue;
            });
        return result;
    }
}
