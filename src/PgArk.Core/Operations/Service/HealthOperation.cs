using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;

namespace PgArk.Core.Operations;

public sealed record HealthInput(
    [property: Input(InputText.ServerOrAll)] string? Server = null) : IServerInput;

/// <summary>pg_stat_archiver's view of WAL archiving.</summary>
public sealed record ArchiveStatus(long ArchivedCount, string? LastArchivedWal, DateTimeOffset? LastArchivedTime, long FailedCount,
    string? LastFailedWal, DateTimeOffset? LastFailedTime)
{
    /// <summary>False when the most recent attempt failed.</summary>
    public bool Ok => LastFailedTime is null || (LastArchivedTime is { } archived && archived >= LastFailedTime);
}

public sealed record ServerHealth(string Server, bool Connected, int? PgVersionNum, string? Version, ArchiveStatus? Archive, string? Error);

public sealed record RepositoryHealth(string Repository, string Location, bool Reachable, string? Error);

/// <param name="Status">"ok" when every server answers, archives without failing, and every repository is reachable; else "degraded".</param>
public sealed record HealthResult(string Status, IReadOnlyList<ServerHealth> Servers, IReadOnlyList<RepositoryHealth> Repositories);

/// <summary>Connection, version and archiving status of each server, and whether each repository can be read.</summary>
public sealed class HealthOperation : Operation<HealthInput, HealthResult>
{
    public override string Name => "health";
    public override string Description => "Check each server (connection, PostgreSQL version, WAL archiving status from pg_stat_archiver) and that each repository is reachable.";
    public override OperationRole Role => OperationRole.Viewer;
    public override OperationRoute Route => new("GET", "/api/health", "Connection, archiving and repository health of each server");

    protected override async Task<HealthResult> ExecuteAsync(OperationContext context, HealthInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var servers = input.Server is null ? context.Options.Servers : [context.GetServer(input.Server)];
        var serverHealth = await Task.WhenAll(servers.Select(s => CheckServerAsync(s.Name, s.Connection, cancellationToken))).ConfigureAwait(false);
        var repositoryNames = servers.SelectMany(s => s.Repositories).Distinct(StringComparer.Ordinal);
        var repositories = new List<RepositoryHealth>();
        foreach (var name in repositoryNames)
        {
            repositories.Add(await CheckRepositoryAsync(context, name, cancellationToken).ConfigureAwait(false));
        }
        var ok = serverHealth.All(s => s.Connected && s.Archive is not { Ok: false }) && repositories.All(r => r.Reachable);
        return new HealthResult(ok ? "ok" : "degraded", serverHealth, repositories);
    }

    private static async Task<ServerHealth> CheckServerAsync(string server, string connection, CancellationToken cancellationToken)
    {
        try
        {
            var session = await PostgresSession.OpenAsync(server, connection, cancellationToken).ConfigureAwait(false);
            await using var sessionScope = session.ConfigureAwait(false);
            var version = await session.ScalarAsync<string>("SELECT version()", cancellationToken).ConfigureAwait(false);
            var row = (await session.QueryAsync(
                "SELECT archived_count, last_archived_wal, last_archived_time, failed_count, last_failed_wal, last_failed_time FROM pg_stat_archiver",
                cancellationToken).ConfigureAwait(false))[0];
            var archive = new ArchiveStatus(Convert.ToInt64(row[0], System.Globalization.CultureInfo.InvariantCulture), (string?)row[1],
                ToTime(row[2]), Convert.ToInt64(row[3], System.Globalization.CultureInfo.InvariantCulture), (string?)row[4], ToTime(row[5]));
            return new ServerHealth(server, true, session.VersionNum, version, archive, null);
        }
        catch (PgArkException ex)
        {
            return new ServerHealth(server, false, null, null, null, ex.Message);
        }
    }

    private static DateTimeOffset? ToTime(object? value) => value switch
    {
        DateTime t => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)),
        DateTimeOffset t => t,
        _ => null,
    };

    private static async Task<RepositoryHealth> CheckRepositoryAsync(OperationContext context, string name, CancellationToken cancellationToken)
    {
        var options = context.Options.GetRepository(name);
        try
        {
            var repository = OperationContext.OpenRepository(options);
            var marker = await repository.Storage.GetInfoAsync(Catalog.RepositoryLayout.MarkerFile, cancellationToken).ConfigureAwait(false);
            return marker is null
                ? new RepositoryHealth(name, repository.Storage.Location, false, "no repository marker: run 'pgark init'")
                : new RepositoryHealth(name, repository.Storage.Location, true, null);
        }
        catch (Exception ex) when (ex is PgArkException or IOException or UnauthorizedAccessException)
        {
            return new RepositoryHealth(name, options.S3?.Location ?? options.Path, false, ex.Message);
        }
    }
}
