using Microsoft.Extensions.Logging;
using PgArk.Core.Stores.Neo4j;
using PgArk.Core.Stores.Qdrant;

namespace PgArk.Core.Stores;

/// <summary>The one place that maps a store's options to its driver.</summary>
internal static class StoreDrivers
{
    public static IStoreDriver Create(StoreOptions options, ILoggerFactory loggerFactory) => options switch
    {
        QdrantStoreOptions qdrant => new QdrantStoreDriver(qdrant, loggerFactory.CreateLogger("PgArk.Stores.Qdrant")),
        Neo4jStoreOptions neo4j => new Neo4jStoreDriver(neo4j, loggerFactory.CreateLogger("PgArk.Stores.Neo4j")),
        _ => throw new ArgumentException($"store '{options.Name}' has an unknown kind", nameof(options)),
    };
}
