namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>
/// How <see cref="TestCluster.AttachAsync(string, TestClusterAttachOptions, CancellationToken)"/> runs an existing data directory.
/// </summary>
public sealed record TestClusterAttachOptions
{
    /// <summary>Defaults to <see cref="PgBinaries.Default"/>; its major version must match the directory's PG_VERSION.</summary>
    public PgBinaries? Binaries { get; init; }

    /// <summary>
    /// Settings passed on the server command line (<c>-c name=value</c>), which override postgresql.conf and
    /// postgresql.auto.conf without editing the directory, e.g. <c>archive_mode=off</c> for a restored copy.
    /// </summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Start the server once attached.</summary>
    public bool Start { get; init; } = true;

    /// <summary>How long <c>pg_ctl start -w</c> may wait (recovery replays WAL before the server accepts connections).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Delete the data directory on dispose; by default it belongs to whoever created it (a <see cref="TempFolder"/>).</summary>
    public bool DeleteDataDirectoryOnDispose { get; init; }
}
