using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Storage.S3;

namespace PgArk.Tests.Configuration;

public class ConfigS3Tests
{
    private const string Source = "/etc/pgark/pgark.yaml";

    private static PgArkOptions Parse(string repositoryKeys, IReadOnlyDictionary<string, string>? environment = null) =>
        ConfigLoader.Parse(
            $"""
            repositories:
              - name: remote
            {repositoryKeys}
            servers:
              - name: pg1
                connection: "Host=/var/run/postgresql;Username=postgres"
                pgdata: /var/lib/postgresql/15/main
            """,
            Source,
            name => environment?.GetValueOrDefault(name));

    private static string ParseError(string repositoryKeys, IReadOnlyDictionary<string, string>? environment = null)
    {
        var e = Assert.Throws<ConfigurationException>(() => Parse(repositoryKeys, environment));
        Assert.Equal(2, e.ExitCode);
        return e.Message;
    }

    private static string Invalid(params string[] lines) =>
        $"invalid configuration {Source}:" + string.Concat(lines.Select(l => "\n  " + l));

    [Fact]
    public void Parse_S3Repository_MapsEveryKeyAndResolvesCredentials()
    {
        var options = Parse("""
                type: s3
                endpoint: http://127.0.0.1:9000
                region: minio
                bucket: pg-backups
                prefix: /prod/pg1/
                forcePathStyle: false
                storageClass: STANDARD_IA
                accessKeyIdEnv: KEY_ID
                secretAccessKeyEnv: SECRET
                serverSideEncryption: aws:kms
                kmsKeyId: arn:aws:kms:eu-west-1:1:key/abc
                partSizeMiB: 64
                uploadConcurrency: 8
            """,
            new Dictionary<string, string> { ["KEY_ID"] = "AKIAEXAMPLE", ["SECRET"] = "very-secret" });

        var repository = Assert.Single(options.Repositories);
        Assert.Equal(RepositoryType.S3, repository.Type);
        var s3 = repository.S3!;
        Assert.Equal(new Uri("http://127.0.0.1:9000"), s3.Endpoint);
        Assert.Equal(("minio", "pg-backups", "prod/pg1", false, "STANDARD_IA"), (s3.Region, s3.Bucket, s3.Prefix, s3.ForcePathStyle, s3.StorageClass));
        Assert.Equal(("AKIAEXAMPLE", "very-secret"), (s3.Credentials!.AccessKeyId, s3.Credentials.SecretAccessKey));
        Assert.Equal((S3ServerSideEncryption.Kms, "arn:aws:kms:eu-west-1:1:key/abc"), (s3.ServerSideEncryption, s3.KmsKeyId));
        var storage = s3.ToStorageOptions();
        Assert.Equal((64 * 1024 * 1024, 8), (storage.PartSize, storage.UploadConcurrency));
        Assert.DoesNotContain("very-secret", repository.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_S3RepositoryOnAws_DefaultsAndDefaultCredentialChain()
    {
        var s3 = Assert.Single(Parse("""
                type: s3
                region: eu-west-1
                bucket: pg-backups
            """).Repositories).S3!;

        Assert.Null(s3.Endpoint);
        Assert.Null(s3.Credentials);
        Assert.False(s3.ForcePathStyle);
        Assert.Equal(("", S3ServerSideEncryption.None, 16, 4), (s3.Prefix, s3.ServerSideEncryption, s3.PartSizeMiB, s3.UploadConcurrency));
    }

    [Fact]
    public void Parse_S3RepositoryWithEndpoint_DefaultsToPathStyleAndUsEast1()
    {
        var s3 = Assert.Single(Parse("""
                type: s3
                endpoint: https://minio.internal:9000
                bucket: pg-backups
            """).Repositories).S3!;

        Assert.True(s3.ForcePathStyle);
        Assert.Equal("us-east-1", s3.Region);
    }

    [Fact]
    public void Parse_S3RepositoryMistakes_ReportsEachWithItsPath()
    {
        var message = ParseError("""
                type: s3
                path: /var/lib/pgark/repo
                bucket: Not_A_Bucket
                storageClass: GLACIER
                serverSideEncryption: AES256
                kmsKeyId: key-1
                uploadConcurrency: 100
                accessKeyIdFile: /nonexistent/key-id
                secretAccessKeyEnv: S3_SECRET
                secretAccessKeyFile: /etc/secret
            """);

        Assert.Equal(
            Invalid(
                "repositories[0].path: not used by 's3' repositories (use 'bucket' and 'prefix')",
                "repositories[0].bucket: 'Not_A_Bucket' is not a valid bucket name (3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit)",
                "repositories[0].region: required when no 'endpoint' is set",
                "repositories[0].storageClass: 'GLACIER' is not one of STANDARD, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, REDUCED_REDUNDANCY, GLACIER_IR, EXPRESS_ONEZONE",
                "repositories[0].kmsKeyId: only valid with 'serverSideEncryption: aws:kms'",
                "repositories[0].uploadConcurrency: must be between 1 and 64 (got 100)",
                "repositories[0].accessKeyIdFile: file '/nonexistent/key-id' does not exist",
                "repositories[0].secretAccessKeyFile: conflicts with 'secretAccessKeyEnv' (set only one of them)"),
            message);
    }

    [Fact]
    public void Parse_S3KeysOnPosixRepository_AreRejected()
    {
        var message = ParseError("""
                path: /var/lib/pgark/repo
                bucket: pg-backups
            """);

        Assert.Equal(Invalid("repositories[0].bucket: only valid for 'type: s3' repositories"), message);
    }
}
