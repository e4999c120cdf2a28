using System.Security.Cryptography;
using PgArk.Core.Storage.S3;

namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>
/// One s3rver shared by the tests of the "s3" collection (<c>[Collection(S3Collection.Name)]</c>); each test takes its
/// own key prefix from <see cref="NewPrefix"/>, so tests never see each other's objects. Tests that kill the server
/// start their own <see cref="S3rverProcess"/>.
/// </summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    public const string Bucket = "pgark-test";

    private readonly TempFolder _folder = TempFolder.Create("pgark-s3-");
    private S3rverProcess? _server;

    public S3rverProcess Server => _server ?? throw new InvalidOperationException("the fixture is not initialized");

    public static string NewPrefix(string name = "t") => $"{name}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";

    /// <summary>Options of a fresh, empty repository area in the shared bucket.</summary>
    public S3StorageOptions NewStorageOptions() => Server.StorageOptions(NewPrefix());

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        _server = await S3rverProcess.StartAsync(_folder.Path, Bucket, timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _folder.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class S3Collection : ICollectionFixture<S3rverFixture>
{
    public const string Name = "s3";
}
