namespace PgArk.Tests.Stores;

/// <summary>
/// The arrange the store tests share: a <see cref="QdrantStandIn"/> with a <c>docs</c> collection configured as the store
/// <c>vectors</c>, with a Neo4j stand-in beside it as the store <c>graph</c> when asked, and any YAML that follows the
/// stores (a <c>backupSet</c> block) — one temporary folder holds all of it.
/// </summary>
internal sealed class VectorStoreTestBed : IAsyncDisposable
{
    private readonly TestDoubles.TemporaryFolder _folder = new();

    public VectorStoreTestBed(int points = 2, bool withGraph = false, string afterStores = "")
    {
        Qdrant = new QdrantStandIn(_folder.Combine("qdrant"), apiKey: null);
        Qdrant.AddCollection("docs", points);
        var graph = "";
        if (withGraph)
        {
            GraphHome = _folder.Combine("neo4j");
            Neo4jHttpStandIn.WriteGraph(GraphHome, "neo4j", [["Person"]], []);
            graph = $"""

                  - name: graph
                    type: neo4j
                    adminCommand: {Neo4jStoreTests.AdminScript(_folder.Path)}
                    home: {GraphHome}
                """;
        }
        Setup = new StoreTestSetup($"""
              - name: vectors
                type: qdrant
                url: {Qdrant.BaseAddress}{graph}
            {afterStores}
            """);
    }

    public QdrantStandIn Qdrant { get; }

    /// <summary>The Neo4j stand-in's home (its graph holds one <c>Person</c> node), when made with a graph.</summary>
    public string? GraphHome { get; }

    public StoreTestSetup Setup { get; }

    public async ValueTask DisposeAsync()
    {
        Setup.Dispose();
        await Qdrant.DisposeAsync();
        _folder.Dispose();
    }
}
