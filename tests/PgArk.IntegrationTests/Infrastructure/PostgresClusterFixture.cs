using System.Security.Cryptography;

namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>
/// One cluster shared by the tests of the "postgres" collection (<c>[Collection(PostgresCollection.Name)]</c>); each
/// test takes its own database from <see cref="CreateDatabaseAsync"/>. Tests that stop, crash, archive or restore a
/// server create their own <see cref="TestCluster"/> instead. fsync is off: this cluster is never crashed.
/// </summary>
public sealed class PostgresClusterFixture : IAsyncLifetime
{
    private TestCluster? _cluster;

    public TestCluster Cluster => _cluster ?? throw new InvalidOperationException("the fixture is not initialized");

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        _cluster = await TestCluster.CreateAsync(new TestClusterOptions { Fsync = false }, timeout.Token);
    }

    /// <summary>Creates a database with a unique name (<c>prefix_&lt;random&gt;</c>) and returns the name.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "test", CancellationToken cancellationToken = default)
    {
        var name = $"{prefix}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        await Cluster.CreateDatabaseAsync(name, cancellationToken);
        return name;
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
