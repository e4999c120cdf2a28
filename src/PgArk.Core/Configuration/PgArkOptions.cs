using PgArk.Core.Errors;

namespace PgArk.Core.Configuration;

/// <summary>
/// The whole validated <c>pgark.yaml</c>. Produced only by <see cref="ConfigLoader"/>, which guarantees the
/// invariants stated on each member.
/// </summary>
/// <param name="SourcePath">Full path of the file the options came from (used in messages).</param>
/// <param name="Repositories">At least one repository, names unique.</param>
/// <param name="Servers">At least one server, names unique, each referring only to configured repositories.</param>
/// <param name="LockPath">Absolute folder for lock files (YAML <c>lockPath</c>). Default <c>/tmp/pgark</c>.</param>
/// <param name="Api">The <c>api</c> section (null: none given).</param>
public sealed record PgArkOptions(
    string SourcePath,
    IReadOnlyList<RepositoryOptions> Repositories,
    IReadOnlyList<ServerOptions> Servers,
    string LockPath,
    ApiOptions? Api = null)
{
    /// <summary>Webhooks called after operation runs (YAML <c>notifications</c>); null: none.</summary>
    public NotificationOptions? Notifications { get; init; }

    /// <summary>The PostgreSQL <c>backup_history</c> catalog (YAML <c>catalog</c>); null: runs are recorded in the repository only.</summary>
    public CatalogOptions? Catalog { get; init; }

    /// <summary>The <c>exports</c> section: where API callers may write exports and read imports (null: not configured,
    /// so the API refuses export_table and import_table).</summary>
    public ExportsOptions? Exports { get; init; }

    /// <summary>The <c>restore</c> section: folders API restores may target besides each server's pgdata.</summary>
    public RestoreRootsOptions Restore { get; init; } = RestoreRootsOptions.None;

    /// <summary>Files secrets were read from (connection, passphrase, key, S3 credentials), with their YAML paths.</summary>
    public IReadOnlyList<SecretFile> SecretFiles { get; init; } = [];

    /// <summary>Default of <see cref="LockPath"/>.</summary>
    public const string DefaultLockPath = "/tmp/pgark";

    /// <summary>Remote <c>pgark serve</c> agents the assistant routes to (YAML <c>agents</c>); names unique.</summary>
    public IReadOnlyList<AgentOptions> Agents { get; init; } = [];

    /// <summary>The assistant's optional language model (YAML <c>assistant</c>).</summary>
    public AssistantOptions? Assistant { get; init; }

    /// <summary>The <c>backupSet</c> section: a schedule that backs up servers and stores together (null: none).</summary>
    public Stores.BackupSetOptions? BackupSet { get; init; }

    /// <summary>Qdrant and Neo4j stores backed up beside the servers (YAML <c>stores</c>); names unique.</summary>
    public IReadOnlyList<Stores.StoreOptions> Stores { get; init; } = [];

    /// <summary>The store named <paramref name="name"/> (case-sensitive).</summary>
    /// <exception cref="NotFoundException">No store has that name.</exception>
    public Stores.StoreOptions GetStore(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Stores.FirstOrDefault(s => s.Name == name)
            ?? throw new NotFoundException(
                $"store '{name}' is not configured in {SourcePath}",
                Stores.Count == 0 ? "add it under 'stores' (see docs/stores.md)" : $"configured stores: {string.Join(", ", Stores.Select(s => s.Name))}");
    }

    /// <summary>The server named <paramref name="name"/> (case-sensitive).</summary>
    /// <exception cref="NotFoundException">No server has that name.</exception>
    public ServerOptions GetServer(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Servers.FirstOrDefault(s => s.Name == name)
            ?? throw new NotFoundException(
                $"server '{name}' is not configured in {SourcePath}",
                $"configured servers: {string.Join(", ", Servers.Select(s => s.Name))}");
    }

    /// <summary>The repository named <paramref name="name"/> (case-sensitive).</summary>
    /// <exception cref="NotFoundException">No repository has that name.</exception>
    public RepositoryOptions GetRepository(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Repositories.FirstOrDefault(r => r.Name == name)
            ?? throw new NotFoundException(
                $"repository '{name}' is not configured in {SourcePath}",
                $"configured repositories: {string.Join(", ", Repositories.Select(r => r.Name))}");
    }
}
