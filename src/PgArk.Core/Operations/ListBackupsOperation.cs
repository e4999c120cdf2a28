using PgArk.Core.Common;
using PgArk.Core.Errors;

namespace PgArk.Core.Operations;

/// <param name="Server">Only this server (default: every server, or the one holding <paramref name="Database"/>).</param>
/// <param name="Database">A database name; its server is looked up. Backups are cluster-wide, so they all contain it.</param>
/// <param name="Limit">At most this many backups per server, newest first.</param>
public sealed record ListBackupsInput(string? Server = null, string? Database = null, int? Limit = null);

/// <param name="Backups">Newest first.</param>
public sealed record ServerBackups(string Server, string Repository, IReadOnlyList<BackupSummary> Backups, string? Problem);

public sealed record ListBackupsResult(string? Database, IReadOnlyList<ServerBackups> Servers);

/// <summary>Backups per server, newest first (a lighter view of <c>info</c>).</summary>
public sealed class ListBackupsOperation : Operation<ListBackupsInput, ListBackupsResult>
{
    public override string Name => "list_backups";
    public override string Description => "List the backups of each server (or of the server holding 'database'), newest first; 'limit' caps the count per server.";
    public override OperationRole Role => OperationRole.Viewer;

    protected override async Task<ListBackupsResult> ExecuteAsync(OperationContext context, ListBackupsInput input,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        if (input.Limit is < 1)
        {
            throw new UsageException($"argument 'limit': must be 1 or more (got {input.Limit})");
        }
        var serverName = input.Server;
        if (serverName is null && input.Database is not null)
        {
            serverName = await new ListDatabasesOperation().FindServerAsync(context, input.Database, cancellationToken).ConfigureAwait(false);
        }
        var servers = serverName is null ? context.Options.Servers : [context.GetServer(serverName)];
        var result = new List<ServerBackups>();
        foreach (var server in servers)
        {
            var repositories = context.RepositoriesFor(server);
            foreach (var repository in repositories)
            {
                var info = repositories.Count == 1
                    ? await InfoOperation.DescribeAsync(server.Name, repository, cancellationToken).ConfigureAwait(false)
                    : await InfoOperation.DescribeOrReportAsync(server.Name, repository, cancellationToken).ConfigureAwait(false);
                IEnumerable<BackupSummary> backups = info.Backups.OrderByDescending(b => b.StopTime);
                if (input.Limit is { } limit)
                {
                    backups = backups.Take(limit);
                }
                result.Add(new ServerBackups(info.Server, info.Repository, backups.ToList(), info.Problem));
            }
        }
        return new ListBackupsResult(input.Database, result);
    }
}
