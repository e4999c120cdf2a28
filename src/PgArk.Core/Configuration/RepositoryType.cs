namespace PgArk.Core.Configuration;

/// <summary>Where a repository keeps its files (YAML <c>type</c>).</summary>
public enum RepositoryType
{
    /// <summary>A local or mounted folder (<c>posix</c>).</summary>
    Posix,

    /// <summary>An S3-compatible bucket (<c>s3</c>).</summary>
    S3,
}
