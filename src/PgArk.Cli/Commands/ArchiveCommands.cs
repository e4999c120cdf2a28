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

    /// <summary>Hidden: the asynchronous archiving pusher, started by archive-push (or by hand, e.g. from a service manager).</summary>
    public static Command CreatePusher(CommandFactory factory)
    {
        var server = CommonOptions.Server();
        var walFolder = new Option<string?>("--wal-folder") { Description = "pg_wal folder to push from (default: the server's pgdata/pg_wal)" };
        var command = factory.Create("archive-pusher", "Push every ready WAL file ahead of PostgreSQL (archive.async: true); started by archive-push",
            async (context, ct) =>
            {
                await new ArchivePusherOperation().RunAsync(context.LoadOperationContext(),
                    new ArchivePusherInput(context.ParseResult.GetValue(server)!, context.ParseResult.GetValue(walFolder)), null, ct);
                return 0;
            }, server, walFolder);
        command.Hidden = true;
        return command;
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
