namespace PgArk.Core.Storage.S3;

/// <summary>Where and how an <see cref="S3Storage"/> stores objects.</summary>
public sealed record S3StorageOptions
{
    public const int MiB = 1024 * 1024;

    /// <summary>S3's smallest allowed part (except the last one) of a multipart upload.</summary>
    public const int MinPartSize = 5 * MiB;

    /// <summary>Bucket name (must exist).</summary>
    public required string Bucket { get; init; }

    /// <summary>Key prefix of the repository inside the bucket, without leading or trailing '/'; "" for the bucket root.</summary>
    public string Prefix { get; init; } = "";

    /// <summary>Service URL of an S3-compatible server (MinIO, s3rver, ...); null for AWS, addressed by <see cref="Region"/>.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>AWS region; with an <see cref="Endpoint"/> it is only used for request signing.</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>Path-style addressing (http://host/bucket/key), which MinIO and most compatible servers need.</summary>
    public bool ForcePathStyle { get; init; }

    /// <summary>Storage class of every stored object (e.g. STANDARD_IA); null leaves the bucket's default.</summary>
    public string? StorageClass { get; init; }

    /// <summary>Static credentials; null uses the SDK's default chain (environment, profile, instance role).</summary>
    public S3Credentials? Credentials { get; init; }

    public S3ServerSideEncryption ServerSideEncryption { get; init; }

    /// <summary>KMS key id or ARN with <see cref="S3ServerSideEncryption.Kms"/>; null uses the account's default key.</summary>
    public string? KmsKeyId { get; init; }

    /// <summary>
    /// Bytes per multipart part, and the largest object stored with a single PUT. Each part is held in memory while
    /// it uploads, so memory use is bounded by (open writes + <see cref="UploadConcurrency"/> + <see cref="IoConcurrency"/>) × this.
    /// </summary>
    public int PartSize { get; init; } = 16 * MiB;

    /// <summary>Parts uploading at once across all writes of the storage.</summary>
    public int UploadConcurrency { get; init; } = 4;

    /// <summary>
    /// Objects a backup keeps storing in the background while its jobs prepare the next ones (each holds its buffered
    /// content, at most one part, until stored), and small objects a restore keeps fetching at once.
    /// </summary>
    public int IoConcurrency { get; init; } = 16;

    /// <summary>Retries of a request after throttling (503 SlowDown) or a transient error, with exponential back-off.</summary>
    public int MaxErrorRetry { get; init; } = 5;
}

/// <summary>S3 server-side encryption of stored objects.</summary>
public enum S3ServerSideEncryption
{
    None,

    /// <summary>SSE-S3 (AES256).</summary>
    Aes256,

    /// <summary>SSE-KMS (aws:kms).</summary>
    Kms,
}

/// <summary>An access key pair. <see cref="ToString"/> never shows the secret.</summary>
public sealed class S3Credentials(string accessKeyId, string secretAccessKey)
{
    public string AccessKeyId { get; } = accessKeyId;

    public string SecretAccessKey { get; } = secretAccessKey;

    public override string ToString() => $"S3Credentials {{ AccessKeyId = {AccessKeyId}, SecretAccessKey = *** }}";
}
