using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace PgArk.Core.Storage.S3;

/// <summary>Builds the SDK client: addressing, credentials, retries and checksum behaviour.</summary>
internal static class S3ClientFactory
{
    public static AmazonS3Client Create(S3StorageOptions options)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,

            // Standard mode retries throttling (503 SlowDown, 429) and transient network and 5xx errors with
            // exponential back-off and jitter, under a retry quota so that an outage fails fast instead of piling up.
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = options.MaxErrorRetry,

            // Only where the API demands it: the trailing CRC checksums the SDK sends by default use aws-chunked
            // encoding that several S3-compatible servers (s3rver, older MinIO) reject. Integrity does not depend on
            // them: every stored file carries a SHA-256 that restore and verify check.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (options.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = options.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        return options.Credentials is { } credentials
            ? new AmazonS3Client(new BasicAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey), config)
            : new AmazonS3Client(config);
    }
}
