using System.CommandLine;
using PgArk.Core.Operations;
using PgArk.Core.Wal;

namespace PgArk.Cli.Commands;

/// <summary>
/// <c>archive-push</c> and <c>archive-get</c>: called by PostgreSQL for every WAL file, so they print nothing on
/// success and keep start-up light (no progress, no tables).
/// </summary>
internal static class ArchiveCommands
{
    public static Command CreatePush(CommandFactory factory)
    {
        var server = CommonOptions.Server();
        var path = new Argument<string>("walpath") { Description = "Path of the WAL file (%p in archive_command)" };
        return factory.Create("archive-push", "Store a WAL file in the repositories (archive_command = 'pgark archive-push --server S %p')",
            async (context, ct) =>
            {
                var result = await new ArchivePushOperation().RunAsync(context.LoadOperationContext(),
                    new ArchivePushInput(context.ParseResult.GetValue(server)!, context.ParseResult.GetValue(path)!), null, ct);
                if (result.Outcomes.Contains(WalPushOutcome.AlreadyArchived))
                {
                    await context.Error.WriteLineAsync($"pgark: {result.WalFile} was already archived with identical content");
                }
                return 0;
            }, server, path);
    }

    public static Command CreateGet(CommandFactory factory)
    {
        var server = CommonOptions.Server();
        var name = new Argument<string>("walname") { Description = "WAL file name (%f in restore_command)" };
        var destination = new Argument<string>("destination") { Description = "Where to write it (%p in restore_command)" };
        return factory.Create("archive-get", "Fetch a WAL file from the repositories (restore_command = 'pgark archive-get --server S %f \"%p\"'); exit 3 when absent",
            async (context, ct) =>
            {
                await new ArchiveGetOperation().RunAsync(context.LoadOperationContext(),
                    new ArchiveGetInput(context.ParseResult.GetValue(server)!, context.ParseResult.GetValue(name)!, context.ParseResult.GetValue(destination)!), null, ct);
                return 0;
            }, server, name, destination);
    }
}
