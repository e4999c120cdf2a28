namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>How <see cref="TestCluster.CreateAsync(TestClusterOptions, CancellationToken)"/> builds a new cluster.</summary>
public sealed record TestClusterOptions
{
    /// <summary>Defaults to <see cref="PgBinaries.Default"/>.</summary>
    public PgBinaries? Binaries { get; init; }

    /// <summary><c>initdb --data-checksums</c>. Off by default, as plain initdb on PostgreSQL 13-17: most clusters in the field.</summary>
    public bool DataChecksums { get; init; }

    /// <summary>The server's <c>fsync</c>. Turn off only in tests that never look at durability.</summary>
    public bool Fsync { get; init; } = true;

    /// <summary><c>archive_mode</c>: off, on or always (changing it needs a restart).</summary>
    public string ArchiveMode { get; init; } = "off";

    /// <summary><c>archive_command</c>; empty means none. Change it later with <see cref="TestCluster.SetArchiveCommandAsync"/>.</summary>
    public string ArchiveCommand { get; init; } = "";

    /// <summary>More postgresql.conf settings, written after (and so overriding) the defaults above.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Start the server once created.</summary>
    public bool Start { get; init; } = true;

    /// <summary>How long <c>pg_ctl start -w</c> may wait.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
