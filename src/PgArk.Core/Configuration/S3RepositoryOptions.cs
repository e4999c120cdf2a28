using PgArk.Core.Storage.S3;

namespace PgArk.Core.Configuration;

/// <summary>The S3 part of a <c>type: s3</c> repository from <c>pgark.yaml</c>, validated.</summary>
/// <param name="Bucket">Bucket name (YAML <c>bucket</c>, required).</param>
/// <param name="Prefix">Key prefix inside the bucket without leading or trailing '/' (YAML <c>prefix</c>); "" for the root.</param>
/// <param name="Endpoint">Service URL of an S3-compatible server (YAML <c>endpoint</c>); null for AWS.</param>
/// <param name="Region">AWS region (YAML <c>region</c>); required without an endpoint, else default <c>us-east-1</c>.</param>
/// <param name="ForcePathStyle">Path-style addressing (YAML <c>forcePathStyle</c>); default true with an endpoint, else false.</param>
/// <param name="StorageClass">Storage class of stored objects (YAML <c>storageClass</c>), e.g. STANDARD_IA; null for the bucket default.</param>
/// <param name="Credentials">
/// Resolved from <c>accessKeyIdEnv</c>/<c>accessKeyIdFile</c> and <c>secretAccessKeyEnv</c>/<c>secretAccessKeyFile</c>;
/// null uses the SDK's default chain. Its <see cref="S3Credentials.ToString"/> hides the secret.
/// </param>
/// <param name="ServerSideEncryption">YAML <c>serverSideEncryption</c>: none, AES256 or aws:kms.</param>
/// <param name="KmsKeyId">YAML <c>kmsKeyId</c>, only with aws:kms.</param>
/// <param name="PartSizeMiB">YAML <c>partSizeMiB</c> (5-5120, default 16): multipart part size and the largest single PUT.</param>
/// <param name="UploadConcurrency">YAML <c>uploadConcurrency</c> (1-64, default 4): parts uploading at once.</param>
public sealed record S3RepositoryOptions(
    string Bucket,
    string Prefix,
    Uri? Endpoint,
    string Region,
    bool ForcePathStyle,
    string? StorageClass,
    S3Credentials? Credentials,
    S3ServerSideEncryption ServerSideEncryption,
    string? KmsKeyId,
    int PartSizeMiB,
    int UploadConcurrency)
{
    /// <summary>How messages name the repository: <c>s3://bucket/prefix</c>, as <see cref="S3Storage.Location"/>.</summary>
    public string Location => S3Storage.LocationOf(Bucket, Prefix);

    /// <summary>The storage driver's options.</summary>
    public S3StorageOptions ToStorageOptions() => new()
    {
        Bucket = Bucket,
        Prefix = Prefix,
        Endpoint = Endpoint,
        Region = Region,
        ForcePathStyle = ForcePathStyle,
        StorageClass = StorageClass,
        Credentials = Credentials,
        ServerSideEncryption = ServerSideEncryption,
        KmsKeyId = KmsKeyId,
        PartSize = PartSizeMiB * S3StorageOptions.MiB,
        UploadConcurrency = UploadConcurrency,
    };
}
