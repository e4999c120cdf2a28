using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Repositories;

/// <summary>Where a repository stores its files in a scenario test.</summary>
public enum RepositoryStorageKind
{
    Posix,
    S3,
}

/// <summary>
/// One kind of repository the same scenarios run against: a storage kind plus any further repository keys (for
/// example an <c>encryption:</c> block). A new flavor is one more entry in <see cref="All"/>; tests take its name
/// through <see cref="Names"/>, so each flavor is its own test case.
/// </summary>
/// <param name="ExtraYaml">
/// More keys for the repository, one per line without indentation; may contain <c>{folder}</c>, replaced by the test's
/// folder (which the postgres user owns, so archive_command can read files there).
/// </param>
/// <param name="Encrypted">Encrypt the repository with a random passphrase from a file in the test's folder.</param>
public sealed record RepositoryFlavor(string Name, RepositoryStorageKind Storage, string ExtraYaml = "", bool Encrypted = false)
{
    public static IReadOnlyDictionary<string, RepositoryFlavor> All { get; } = new[]
    {
        new RepositoryFlavor("posix", RepositoryStorageKind.Posix),
        new RepositoryFlavor("s3", RepositoryStorageKind.S3, "storageClass: STANDARD_IA"),
        new RepositoryFlavor("posix-encrypted", RepositoryStorageKind.Posix, Encrypted: true),
        new RepositoryFlavor("s3-encrypted", RepositoryStorageKind.S3, Encrypted: true),
    }.ToDictionary(f => f.Name, StringComparer.Ordinal);

    public static TheoryData<string> Names => new(All.Keys);

    public override string ToString() => Name;

    /// <summary>The repository's keys for <see cref="Harness.PgArkHarness.CreateAsync"/>.</summary>
    public Func<TempFolder, CancellationToken, Task<string>> Yaml(S3rverProcess? s3) => async (folder, cancellationToken) =>
    {
        var keys = new List<string>();
        if (Storage == RepositoryStorageKind.Posix)
        {
            var path = folder.Combine("repo");
            keys.AddRange(["type: posix", $"path: {path}"]);
        }
        else
        {
            var server = s3 ?? throw new InvalidOperationException($"flavor '{Name}' needs an S3 server");
            keys.AddRange(
            [
                "type: s3",
                $"endpoint: {server.Endpoint}",
                $"bucket: {server.Bucket}",
                $"prefix: {S3rverFixture.NewPrefix("repo")}",
                "forcePathStyle: true",
                $"accessKeyIdFile: {await SecretFileAsync(folder, "s3-key-id", S3rverProcess.AccessKeyId, cancellationToken)}",
                $"secretAccessKeyFile: {await SecretFileAsync(folder, "s3-secret", S3rverProcess.SecretAccessKey, cancellationToken)}",
                "partSizeMiB: 5",
            ]);
        }

        if (Encrypted)
        {
            // The lowest iteration count the configuration accepts: the tests exercise the format, not the KDF's cost.
            var passphrase = await SecretFileAsync(folder, "passphrase", $"pass-{Guid.NewGuid():N}", cancellationToken);
            keys.Add($"encryption: {{ passphraseFile: {passphrase}, iterations: 100000 }}");
        }

        keys.AddRange(ExtraYaml.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Replace("{folder}", folder.Path, StringComparison.Ordinal)));
        return string.Concat(keys.Select(k => $"    {k}\n"));
    };

    // archive_command runs pgark as the postgres user, which must be able to read the secret files.
    private static async Task<string> SecretFileAsync(TempFolder folder, string name, string value, CancellationToken cancellationToken)
    {
        var path = folder.Combine(name);
        await File.WriteAllTextAsync(path, value, cancellationToken);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await Posix.ChownToPostgresAsync(path, recursive: false, cancellationToken);
        return path;
    }
}
