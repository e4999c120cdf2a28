using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Repositories;

/// <summary>Mistakes in an S3 repository's configuration give one clear message and exit 2, before anything is written.</summary>
[Collection(S3Collection.Name)]
public sealed class S3ConfigurationTests(S3rverFixture s3) : IDisposable
{
    private readonly TempFolder _folder = TempFolder.Create();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task MissingBucketAndBadEndpoint_AreReportedWithTheirYamlPaths_Exit2()
    {
        var run = await InfoAsync("""
                type: s3
                endpoint: "127.0.0.1:9000"
                partSizeMiB: 2
            """);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("repositories[0].bucket: required", run.Stderr, StringComparison.Ordinal);
        Assert.Contains(
            "repositories[0].endpoint: '127.0.0.1:9000' is not an http:// or https:// URL (e.g. http://127.0.0.1:9000)", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("repositories[0].partSizeMiB: must be between 5 and 5120 (got 2)", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnsetCredentialVariable_NamesTheVariableNotAValue_Exit2()
    {
        var run = await InfoAsync("""
                type: s3
                bucket: b1
                region: eu-west-1
                accessKeyIdEnv: PGARK_TEST_UNSET_KEY_ID
            """);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("repositories[0].accessKeyIdEnv: environment variable 'PGARK_TEST_UNSET_KEY_ID' is not set or is empty", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("repositories[0].secretAccessKeyEnv: required with accessKeyIdEnv/accessKeyIdFile", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BucketThatDoesNotExist_IsAConfigurationError_Exit2()
    {
        var run = await InfoAsync($"""
                type: s3
                endpoint: {s3.Server.Endpoint}
                bucket: not-created
                accessKeyIdFile: {await SecretAsync("id", S3rverProcess.AccessKeyId)}
                secretAccessKeyFile: {await SecretAsync("secret", S3rverProcess.SecretAccessKey)}
            """);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"bucket 'not-created' does not exist at {s3.Server.Endpoint}", run.Stderr, StringComparison.Ordinal);
    }

    private async Task<string> SecretAsync(string name, string value)
    {
        var path = _folder.Combine(name);
        await File.WriteAllTextAsync(path, value);
        return path;
    }

    private async Task<CliRun> InfoAsync(string repositoryKeys)
    {
        var config = _folder.Combine("pgark.yaml");
        await File.WriteAllTextAsync(config, $"""
            lockPath: {_folder.Combine("locks")}
            repositories:
              - name: remote
            {repositoryKeys}
            servers:
              - name: pg1
                connection: "Host=127.0.0.1;Port=1;Username=postgres"
                pgdata: /nonexistent
                repositories: [remote]

            """);
        return await CliRun.RunAsync("--config", config, "info", "--server", "pg1");
    }
}
