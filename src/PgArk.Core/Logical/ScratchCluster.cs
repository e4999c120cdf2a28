using Microsoft.Extensions.Logging;
using Npgsql;
using PgArk.Core.Configuration;
using PgArk.Core.Postgres;

namespace PgArk.Core.Logical;

/// <summary>
/// A throw-away cluster (initdb into a <see cref="RestoreSandbox"/>) that a dump is restored into to test it. A dump is
/// repository content: restoring it runs its SQL, so it never runs on the production server, and not as a superuser
/// either (a superuser's SQL can run programs as the postgres OS user: COPY ... TO PROGRAM). The cluster listens on a
/// private 0700 socket only and has the live server's role names (NOLOGIN, no attribute, so GRANTs restore); PgArk
/// reaches it as <see cref="Server"/>, a copy of the live server's options connecting as <see cref="RestoreRole"/>, a
/// role with CREATEDB and nothing else. Restores into it use --no-owner: everything is owned by that role.
/// </summary>
internal sealed class ScratchCluster
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The unprivileged role a dump is restored as.</summary>
    public const string RestoreRole = "pgark_scratch_restore";

    private ScratchCluster(RestoreSandbox sandbox, ServerOptions server)
    {
        Sandbox = sandbox;
        Server = server;
    }

    public RestoreSandbox Sandbox { get; }

    /// <summary>The live server's options with its connection replaced by the scratch cluster's socket.</summary>
    public ServerOptions Server { get; }

    /// <summary>Creates and starts the cluster for <paramref name="live"/>'s PostgreSQL major version.</summary>
    public static async Task<ScratchCluster> StartAsync(ServerOptions live, int pgMajor, string? parent, ILogger logger, CancellationToken cancellationToken)
    {
        var installation = PgInstallation.Find(live.PgBin, pgMajor);
        var sandbox = RestoreSandbox.Create(parent, $"pgark-dump-{live.Name}", logger);
        try
        {
            sandbox.CreatePrivateSocketDirectory();
            var cluster = await LocalCluster.InitAsync(installation, sandbox.DataDirectory, sandbox.SocketDirectory, dataChecksums: false, cancellationToken)
                .ConfigureAwait(false);
            sandbox.Cluster = cluster;
            await cluster.ConfigureAsync(new Dictionary<string, string>
            {
                ["listen_addresses"] = "",
                ["unix_socket_permissions"] = "0700",
                ["archive_mode"] = "off",
                // A scratch copy that is deleted afterwards: durability buys nothing.
                ["fsync"] = "off",
                ["synchronous_commit"] = "off",
                ["full_page_writes"] = "off",
            }, cancellationToken).ConfigureAwait(false);
            await cluster.StartAsync(cancellationToken, s_startTimeout).ConfigureAwait(false);
            await CreateRolesAsync(live, cluster, logger, cancellationToken).ConfigureAwait(false);
            var connection = new NpgsqlConnectionStringBuilder(cluster.ConnectionString()) { Username = RestoreRole }.ConnectionString;
            var scratch = live with { Connection = connection, PgBin = installation.BinDirectory };
            return new ScratchCluster(sandbox, scratch);
        }
        catch
        {
            await sandbox.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the cluster and deletes it; with <paramref name="keep"/> only stops it and leaves the folder.</summary>
    public async Task DisposeAsync(bool keep)
    {
        if (!keep)
        {
            await Sandbox.DisposeAsync().ConfigureAwait(false);
            return;
        }
        await Sandbox.Cluster!.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates <see cref="RestoreRole"/>, then the live server's roles by name only (NOLOGIN, no password, no attribute,
    /// no membership), so a dump's GRANT statements restore. Reading the names is the only contact with the live server;
    /// when it cannot be reached the restore goes on and a GRANT to a missing role fails it.
    /// </summary>
    private static async Task CreateRolesAsync(ServerOptions live, LocalCluster cluster, ILogger logger, CancellationToken cancellationToken)
    {
        var scratch = new NpgsqlConnection(cluster.ConnectionString());
        await using var scratchScope = scratch.ConfigureAwait(false);
        await scratch.OpenAsync(cancellationToken).ConfigureAwait(false);
        var restoreRole = new NpgsqlCommand($"CREATE ROLE {RestoreRole} LOGIN CREATEDB NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS", scratch);
        await using (restoreRole.ConfigureAwait(false))
        {
            await restoreRole.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        List<string> roles;
        try
        {
            var connection = await new PgClient(live).OpenAsync(new PgClient(live).MaintenanceDatabase, cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            roles = await ReadRolesAsync(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or Errors.PgArkException)
        {
            logger.LogWarning("unable to read the role names of server '{Server}' for the scratch cluster: {Message}", live.Name, ex.Message);
            return;
        }
        var existing = (await ReadRolesAsync(scratch, cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        foreach (var role in roles.Where(r => !existing.Contains(r)))
        {
            var create = new NpgsqlCommand($"CREATE ROLE {PgClient.QuoteIdentifier(role)} NOLOGIN", scratch);
            await using var createScope = create.ConfigureAwait(false);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<List<string>> ReadRolesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand("SELECT rolname FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY rolname", connection);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var roles = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            roles.Add(reader.GetString(0));
        }
        return roles;
    }
}
