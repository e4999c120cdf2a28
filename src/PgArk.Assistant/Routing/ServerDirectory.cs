using System.Text.Json;
using System.Text.Json.Nodes;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Registry;

namespace PgArk.Assistant.Routing;

/// <summary>
/// The supervisor's database → server map: local servers through the <c>list_databases</c> operation, and each agent's
/// servers through its <c>list_databases</c> over <c>/invoke</c>. Learned once and cached; <see cref="RefreshAsync"/>
/// relearns it (the planner calls it when a request names a database the map does not have).
/// </summary>
public sealed class ServerDirectory(OperationContext context, IReadOnlyList<AgentClient> agents)
{
    private Snapshot? _snapshot;

    /// <summary>Servers or agents that could not be asked last time (shown to the user; their databases are unknown).</summary>
    public IReadOnlyList<string> Problems => _snapshot?.Problems ?? [];

    public async Task<DatabaseCatalog> GetCatalogAsync(CancellationToken cancellationToken)
    {
        _snapshot ??= await LearnAsync(cancellationToken).ConfigureAwait(false);
        return _snapshot.Catalog;
    }

    public async Task<DatabaseCatalog> RefreshAsync(CancellationToken cancellationToken)
    {
        _snapshot = await LearnAsync(cancellationToken).ConfigureAwait(false);
        return _snapshot.Catalog;
    }

    /// <summary>The route of a server (or of a local Qdrant/Neo4j store) named in a plan.</summary>
    /// <exception cref="NotFoundException">No such server.</exception>
    public async Task<ServerRoute> RouteAsync(string server, CancellationToken cancellationToken)
    {
        await GetCatalogAsync(cancellationToken).ConfigureAwait(false);
        return _snapshot!.Routes.TryGetValue(server, out var route)
            ? route
            : throw new NotFoundException($"server '{server}' is not known", $"servers: {string.Join(", ", _snapshot.Routes.Keys)}");
    }

    private async Task<Snapshot> LearnAsync(CancellationToken cancellationToken)
    {
        var found = new List<(string Server, AgentClient? Agent, IReadOnlyList<string> Databases)>();
        var problems = new List<string>();
        if (context.Options.Servers.Count > 0)
        {
            // The operation itself, not the registry's JSON round trip: its reflection-based schema and binding cost a
            // fresh process ~100 ms, more than the rest of planning.
            var local = await new ListDatabasesOperation().RunAsync(context, new ListDatabasesInput(), null, cancellationToken).ConfigureAwait(false);
            foreach (var server in local.Servers)
            {
                Add(server.Server, server.Databases, server.Error, null, found, problems);
            }
        }
        var answers = await Task.WhenAll(agents.Select(a => AskAgentAsync(a, cancellationToken))).ConfigureAwait(false);
        foreach (var (agent, result, problem) in answers)
        {
            if (problem is not null)
            {
                problems.Add(problem);
                continue;
            }
            Collect(result, agent, found, problems);
        }
        // A name used in two places (two agents each calling their cluster "main") is qualified by its agent.
        var clashes = found.GroupBy(f => f.Server, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        var routes = new Dictionary<string, ServerRoute>(StringComparer.Ordinal);
        var catalog = new List<(string, IEnumerable<string>)>();
        foreach (var (server, agent, databases) in found)
        {
            var name = clashes.Contains(server) && agent is not null ? $"{agent.Name}/{server}" : server;
            routes[name] = new ServerRoute(name, server, agent);
            catalog.Add((name, databases));
        }
        // Stores are learnt from this configuration only (an agent's stores are not asked for); a step on one runs here.
        var stores = context.Options.Stores.Where(s => !routes.ContainsKey(s.Name)).ToList();
        foreach (var store in stores)
        {
            routes[store.Name] = new ServerRoute(store.Name, store.Name, null);
        }
        return new Snapshot(new DatabaseCatalog(catalog, stores.Select(s => (s.Name, s.Kind.ToString().ToLowerInvariant()))), routes, problems);
    }

    private static async Task<(AgentClient Agent, JsonNode? Result, string? Problem)> AskAgentAsync(AgentClient agent, CancellationToken cancellationToken)
    {
        try
        {
            return (agent, await agent.InvokeAsync("list_databases", [], cancellationToken).ConfigureAwait(false), null);
        }
        catch (PgArkException ex)
        {
            return (agent, null, ex.Message);
        }
    }

    private static void Collect(JsonNode? result, AgentClient? agent, List<(string, AgentClient?, IReadOnlyList<string>)> found, List<string> problems)
    {
        foreach (var server in result?["servers"]?.AsArray() ?? [])
        {
            var name = server?["server"]?.GetValue<string>();
            if (name is null)
            {
                continue;
            }
            var databases = server!["databases"]?.AsArray().Select(d => d!.GetValue<string>()).ToList() ?? [];
            var error = server["error"] is { } e && e.GetValueKind() == JsonValueKind.String ? e.GetValue<string>() : null;
            Add(name, databases, error, agent, found, problems);
        }
    }

    private static void Add(string server, IReadOnlyList<string> databases, string? error, AgentClient? agent,
        List<(string, AgentClient?, IReadOnlyList<string>)> found, List<string> problems)
    {
        if (error is not null)
        {
            problems.Add($"server {server}{(agent is null ? "" : $" (agent {agent.Name})")}: {error}");
        }
        found.Add((server, agent, databases));
    }

    private sealed record Snapshot(DatabaseCatalog Catalog, IReadOnlyDictionary<string, ServerRoute> Routes, IReadOnlyList<string> Problems);
}
