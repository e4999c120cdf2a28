using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;

namespace PgArk.Core.Operations;

public sealed record ListDatabasesInput(
    [property: Input(InputText.ServerOrAll)] string? Server = null) : IServerInput;

/// <param name="Error">Why the server could not be asked (then <see cref="Databases"/> is empty).</param>
public sealed record ServerDatabases(string Server, IReadOnlyList<string> Databases, string? Error);

public sealed record ListDatabasesResult(IReadOnlyList<ServerDatabases> Servers);

/// <summary>The database → server map: connects to each configured server and lists its non-template databases.</summary>
public sealed class ListDatabasesOperation : Operation<ListDatabasesInput, ListDatabasesResult>
{
    public override string Name => "list_databases";
    public override string Description => "List the databases of each configured server (non-template), i.e. which server holds which database.";
    public override OperationRole Role => OperationRole.Viewer;

    protected override async Task<ListDatabasesResult> ExecuteAsync(OperationContext context, ListDatabasesInput input,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var servers = input.Server is null ? context.Options.Servers : [context.GetServer(input.Server)];
        var tasks = servers.Select(s => ListAsync(s.Name, s.Connection, cancellationToken)).ToList();
        return new ListDatabasesResult(await Task.WhenAll(tasks).ConfigureAwait(false));
    }

    private static async Task<ServerDatabases> ListAsync(string server, string connection, CancellationToken cancellationToken)
    {
        try
        {
            var session = await PostgresSession.OpenAsync(server, connection, cancellationToken).ConfigureAwait(false);
            await using var sessionScope = session.ConfigureAwait(false);
            var rows = await session.QueryAsync("SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY datname", cancellationToken)
                .ConfigureAwait(false);
            return new ServerDatabases(server, rows.Select(r => (string)r[0]!).ToList(), null);
        }
        catch (PgArkException ex)
        {
            return new ServerDatabases(server, [], ex.Message);
        }
    }

    /// <summary>The one server that holds <paramref name="database"/>.</summary>
    /// <exception cref="NotFoundException">No reachable server has it.</exception>
    /// <exception cref="UsageException">More than one server has it.</exception>
    public async Task<string> FindServerAsync(OperationContext context, string database, CancellationToken cancellationToken)
    {
        var map = await RunAsync(context, new ListDatabasesInput(), null, cancellationToken).ConfigureAwait(false);
        var holders = map.Servers.Where(s => s.Databases.Contains(database, StringComparer.Ordinal)).Select(s => s.Server).ToList();
        if (holders.Count == 1)
        {
            return holders[0];
        }
        if (holders.Count > 1)
        {
            throw new UsageException($"database '{database}' exists on servers {string.Join(", ", holders)}",
                "pass 'server' to say which one is meant");
        }
        var unreachable = map.Servers.Where(s => s.Error is not null).Select(s => s.Server).ToList();
        throw new NotFoundException($"database '{database}' was not found on any configured server",
            unreachable.Count == 0
                ? $"servers searched: {string.Join(", ", map.Servers.Select(s => s.Server))}"
                : $"unreachable servers: {string.Join(", ", unreachable)}");
    }
}
