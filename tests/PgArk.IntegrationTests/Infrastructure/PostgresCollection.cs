namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>The xunit collection that shares one <see cref="PostgresClusterFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresClusterFixture>
{
    public const string Name = "postgres";
}
