namespace PgArk.Assistant.Routing;

/// <summary>Which servers exist and which databases each holds: what the parser needs to name a step's server.</summary>
public sealed class DatabaseCatalog
{
    private readonly Dictionary<string, List<string>> _serversByDatabase = new(StringComparer.Ordinal);

    /// <param name="stores">Qdrant and Neo4j stores (stores[].name and its kind, "qdrant" or "neo4j") that plans may name.</param>
    public DatabaseCatalog(IEnumerable<(string Server, IEnumerable<string> Databases)> servers, IEnumerable<(string Name, string Kind)>? stores = null)
    {
        Stores = stores?.ToList() ?? [];
        var names = new List<string>();
        foreach (var (server, databases) in servers)
        {
            names.Add(server);
            foreach (var database in databases)
            {
                if (!_serversByDatabase.TryGetValue(database, out var holders))
                {
                    _serversByDatabase[database] = holders = [];
                }
                if (!holders.Contains(server, StringComparer.Ordinal))
                {
                    holders.Add(server);
                }
            }
        }
        Servers = names;
    }

    public IReadOnlyList<string> Servers { get; }

    public IReadOnlyList<(string Name, string Kind)> Stores { get; }

    public IEnumerable<string> Databases => _serversByDatabase.Keys;

    public IReadOnlyList<string> ServersOf(string database) =>
        _serversByDatabase.TryGetValue(database, out var holders) ? holders : [];

    public bool HasServer(string name) => Servers.Contains(name, StringComparer.Ordinal);
}
