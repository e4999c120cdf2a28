using System.Text.RegularExpressions;
using PgArk.Core.Storage.S3;

namespace PgArk.Core.Configuration;

/// <summary>The <c>type: s3</c> part of a repository: bucket, addressing, credentials and upload tuning.</summary>
internal sealed partial class ConfigParser
{
    // A property, not a field: s_repositoryKeys (in another file of this partial class) reads it during static
    // initialisation, whose order across files is undefined.
    private static string[] S3Keys =>
    [
        "endpoint", "region", "bucket", "prefix", "forcePathStyle", "storageClass", "accessKeyIdEnv", "accessKeyIdFile",
        "secretAccessKeyEnv", "secretAccessKeyFile", "serverSideEncryption", "kmsKeyId", "partSizeMiB", "uploadConcurrency",
    ];

    private static readonly (string, bool)[] s_booleans = [("true", true), ("false", false)];
    private static readonly (string, S3ServerSideEncryption)[] s_serverSideEncryption =
        [("none", S3ServerSideEncryption.None), ("AES256", S3ServerSideEncryption.Aes256), ("aws:kms", S3ServerSideEncryption.Kms)];
    private static readonly string[] s_storageClasses =
        ["STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "REDUCED_REDUNDANCY", "GLACIER_IR", "EXPRESS_ONEZONE"];

    private const int DefaultPartSizeMiB = 16;
    private const int MaxPartSizeMiB = 5120;
    private const int DefaultUploadConcurrency = 4;
    private const int MaxUploadConcurrency = 64;

    /// <summary>
    /// Reads the S3 keys of a repository: null (and every S3 key reported as misplaced) unless it is
    /// <c>type: s3</c>. Problems name variables and files, never a secret.
    /// </summary>
    private S3RepositoryOptions? ParseS3(YamlMappingReader reader, RepositoryType? type)
    {
        if (type != RepositoryType.S3)
        {
            foreach (var key in S3Keys.Where(reader.Has))
            {
                _problems.Add(reader.ChildPath(key), "only valid for 'type: s3' repositories");
            }

            return null;
        }

        if (reader.Has("path"))
        {
            _problems.Add(reader.ChildPath("path"), "not used by 's3' repositories (use 'bucket' and 'prefix')");
        }

        var bucket = reader.Scalar("bucket", required: true);
        if (bucket is not null && !BucketName().IsMatch(bucket))
        {
            _problems.Add(reader.ChildPath("bucket"),
                $"'{bucket}' is not a valid bucket name (3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit)");
        }

        var prefix = S3Prefix(reader);
        var endpoint = S3Endpoint(reader);
        var region = reader.Scalar("region");
        if (region is null && endpoint is null && !reader.Has("endpoint"))
        {
            _problems.Add(reader.ChildPath("region"), "required when no 'endpoint' is set");
        }
        else if (region is not null && endpoint is null && !RegionName().IsMatch(region))
        {
            _problems.Add(reader.ChildPath("region"), $"'{region}' is not a valid region name (e.g. eu-west-1)");
        }

        var forcePathStyle = reader.Has("forcePathStyle") ? reader.Choice("forcePathStyle", s_booleans) : endpoint is not null;
        var storageClass = reader.Scalar("storageClass");
        if (storageClass is not null && !s_storageClasses.Contains(storageClass, StringComparer.Ordinal))
        {
            _problems.Add(reader.ChildPath("storageClass"), $"'{storageClass}' is not one of {string.Join(", ", s_storageClasses)}");
        }

        var encryption = reader.Has("serverSideEncryption")
            ? reader.Choice("serverSideEncryption", s_serverSideEncryption)
            : S3ServerSideEncryption.None;
        var kmsKeyId = reader.Scalar("kmsKeyId");
        if (kmsKeyId is not null && encryption != S3ServerSideEncryption.Kms)
        {
            _problems.Add(reader.ChildPath("kmsKeyId"), "only valid with 'serverSideEncryption: aws:kms'");
        }

        var partSize = reader.PositiveInt("partSizeMiB") ?? DefaultPartSizeMiB;
        if (partSize is < S3StorageOptions.MinPartSize / S3StorageOptions.MiB or > MaxPartSizeMiB)
        {
            _problems.Add(reader.ChildPath("partSizeMiB"), $"must be between 5 and {MaxPartSizeMiB} (got {partSize})");
        }

        var concurrency = reader.PositiveInt("uploadConcurrency") ?? DefaultUploadConcurrency;
        if (concurrency > MaxUploadConcurrency)
        {
            _problems.Add(reader.ChildPath("uploadConcurrency"), $"must be between 1 and {MaxUploadConcurrency} (got {concurrency})");
        }

        return new S3RepositoryOptions(
            bucket ?? "", prefix, endpoint, region ?? "us-east-1", forcePathStyle ?? false, storageClass, S3Credentials(reader),
            encryption ?? S3ServerSideEncryption.None, kmsKeyId, partSize, concurrency);
    }

    private string S3Prefix(YamlMappingReader reader)
    {
        var prefix = reader.Scalar("prefix")?.Trim('/') ?? "";
        if (prefix.Length == 0)
        {
            return prefix;
        }

        try
        {
            return Storage.RepositoryPath.ValidateFolder(prefix);
        }
        catch (Errors.UsageException)
        {
            _problems.Add(reader.ChildPath("prefix"), $"'{prefix}' is not a valid key prefix ('/'-separated names, no '.', '..' or empty segments)");
            return prefix;
        }
    }

    private Uri? S3Endpoint(YamlMappingReader reader)
    {
        var text = reader.Scalar("endpoint");
        if (text is null)
        {
            return null;
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0
            && uri.Query.Length == 0 && string.IsNullOrEmpty(uri.UserInfo))
        {
            return uri;
        }

        _problems.Add(reader.ChildPath("endpoint"), $"'{text}' is not an http:// or https:// URL (e.g. http://127.0.0.1:9000)");
        return null;
    }

    // Both halves of the key or neither (the SDK's default chain then finds credentials).
    private S3Credentials? S3Credentials(YamlMappingReader reader)
    {
        var keyId = S3Secret(reader, "accessKeyIdEnv", "accessKeyIdFile");
        var secret = S3Secret(reader, "secretAccessKeyEnv", "secretAccessKeyFile");
        var keyIdGiven = reader.Has("accessKeyIdEnv") || reader.Has("accessKeyIdFile");
        var secretGiven = reader.Has("secretAccessKeyEnv") || reader.Has("secretAccessKeyFile");
        if (keyIdGiven != secretGiven)
        {
            _problems.Add(reader.ChildPath(keyIdGiven ? "secretAccessKeyEnv" : "accessKeyIdEnv"),
                $"required with {(keyIdGiven ? "accessKeyIdEnv/accessKeyIdFile" : "secretAccessKeyEnv/secretAccessKeyFile")} (or set neither to use the AWS default credential chain)");
        }

        return keyId is not null && secret is not null ? new S3Credentials(keyId, secret) : null;
    }

    private string? S3Secret(YamlMappingReader reader, string envKey, string fileKey)
    {
        if (reader.Has(envKey) && reader.Has(fileKey))
        {
            _problems.Add(reader.ChildPath(fileKey), $"conflicts with '{envKey}' (set only one of them)");
            return null;
        }

        return reader.Has(envKey) ? FromEnvironment(reader, envKey)
            : reader.Has(fileKey) ? FromFile(reader, fileKey)
            : null;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();

    [GeneratedRegex("^[a-z]{2}(-[a-z0-9]+)+-[0-9]+$")]
    private static partial Regex RegionName();
}
