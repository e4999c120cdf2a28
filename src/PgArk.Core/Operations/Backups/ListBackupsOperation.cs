using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;

namespace PgArk.Core.Operations;

/// <param name="Server">Only this server (default: every server, or the one holding <paramref name="Database"/>).</param>
/// <param name="Database">A database name; its server is looked up. Backups are cluster-wide, so they all contain it.</param>
/// <param name="Limit">At most this many backups per server, newest first.</param>
/// <param name="Type">Only this kind: full, diff or incr backups (no dumps), or dump / table (logical dumps; table: dumps of chosen tables).</param>
/// <param name="SortBy">date (default, newest first) or size (largest stored size first).</param>
public sealed record ListBackupsInput(
    [property: Input(InputText.ServerOrAll)] string? Server = null,
    [property: Input("Only backups that hold this database (the server is found from it when not given).")] string? Database = null,
    [property: Input("At most this many backups, newest first.")] int? Limit = null,
    [property: Input("Only this kind of backup.")] BackupListType? Type = null,
    [property: Input("Order of the list.")] BackupListOrder SortBy = BackupListOrder.Date,
    [property: Input("Only this Qdrant or Neo4j store (stores[].name): its backups and no server's. Without server, database, type or "
        + "store, every store's backups are listed after the servers'.")] string? Store = null) : IServerInput, IDatabaseInput;

/// <summary>A kind of backup to list (seed 002's db_list_backups "type").</summary>
public enum BackupListType
{
    Full,
    Diff,
    Incr,
    Dump,
    Table,
}

public enum BackupListOrder
{
    Date,
    Size,
}

/// <param name="Backups">Newest first.</param>
/// <param name="Dumps">Logical dumps, newest first (only of <c>Database</c> when one is given).</param>
public sealed record ServerBackups(string Server, string Repository, IReadOnlyList<BackupSummary> Backups, string? Problem,
    IReadOnlyList<DumpSummary>? Dumps = null);

/// <param name="StoreBackups">Backups of the Qdrant and Neo4j stores (docs/stores.md), newest first (at most <c>limit</c> per store);
/// null when the listing is of servers only (a server, database or type was named, or no store is configured).</param>
public sealed record ListBackupsResult(string? Database, IReadOnlyList<ServerBackups> Servers, IReadOnlyList<StoreBackupSummary>? StoreBackups = null);

/// <summary>Backups per server, newest first (a lighter view of <c>info</c>).</summary>
public sealed class ListBackupsOperation : Operation<ListBackupsInput, ListBackupsResult>
{
    public override string Name => "list_backups";
    public override string Description => "List the backups and logical dumps of each server (or of the server holding 'database', with only its dumps), newest first; 'limit' caps the count per server.";
    public override OperationRole Role => OperationRole.Viewer;

    protected override async Task<ListBackupsResult> ExecuteAsync(OperationContext context, ListBackupsInput input,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        if (input.Limit is < 1)
        {
            throw new UsageException($"argument 'limit': must be 1 or more (got {input.Limit})");
        }
        if (input.Store is not null)
        {
            if (input.Server is not null || input.Database is not null || input.Type is not null)
            {
                throw new UsageException("argument 'store' lists one store's backups: give it without 'server', 'database' or 'type'");
            }
            return new ListBackupsResult(null, [], await StoreBackupsAsync(context, [context.Options.GetStore(input.Store)], input, cancellationToken)
                .ConfigureAwait(false));
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
                var physical = input.Type is null or BackupListType.Full or BackupListType.Diff or BackupListType.Incr;
                var logical = input.Type is null or BackupListType.Dump or BackupListType.Table;
                IEnumerable<BackupSummary> backups = info.Backups
                    .Where(b => physical && (input.Type is null || b.Type == input.Type.Value.ToString().ToLowerInvariant()));
                backups = input.SortBy == BackupListOrder.Size ? backups.OrderByDescending(b => b.StoredSize) : backups.OrderByDescending(b => b.StopTime);
                IEnumerable<DumpSummary> dumps = (info.Dumps ?? [])
                    .Where(d => logical && (input.Database is null || d.Database == input.Database)
                        && (input.Type != BackupListType.Table || d.SelectedTables.Count > 0));
                dumps = input.SortBy == BackupListOrder.Size ? dumps.OrderByDescending(d => d.StoredSize) : dumps.OrderByDescending(d => d.Id, StringComparer.Ordinal);
                if (input.Limit is { } limit)
                {
                    backups = backups.Take(limit);
                    dumps = dumps.Take(limit);
                }
                result.Add(new ServerBackups(info.Server, info.Repository, backups.ToList(), info.Problem, dumps.ToList()));
            }
        }
        var everything = input.Server is null && input.Database is null && input.Type is null && context.Options.Stores.Count > 0;
        return new ListBackupsResult(input.Database, result,
            everything ? await StoreBackupsAsync(context, context.Options.Stores, input, cancellationToken).ConfigureAwait(false) : null);
    }

    private static async Task<IReadOnlyList<StoreBackupSummary>> StoreBackupsAsync(OperationContext context, IReadOnlyList<Stores.StoreOptions> stores,
        ListBackupsInput input, CancellationToken cancellationToken)
    {
        var all = new List<StoreBackupSummary>();
        foreach (var store in stores)
        {
            var backups = (await context.StoreCatalogFor(store).ListAsync(store.Name, cancellationToken).ConfigureAwait(false))
                .Select(StoreBackupSummary.Of);
            backups = input.SortBy == BackupListOrder.Size ? backups.OrderByDescending(b => b.StoredSize) : backups.OrderByDescending(b => b.StartTime);
            all.AddRange(input.Limit is { } limit ? backups.Take(limit) : backups);
        }
        return all;
    }
}
