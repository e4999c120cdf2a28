using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Logical;
using PgArk.Core.Postgres;
using PgArk.Core.Restore;
using PgArk.Core.Wal;

namespace PgArk.Core.Operations;

/// <param name="Repository">Only this repository (default: each repository of each server).</param>
public sealed record InfoInput(
    [property: Input(InputText.ServerOrAll)] string? Server = null,
    [property: Input(InputText.Repository, Aliases = ["--repo"])] string? Repository = null) : IServerInput;

public sealed record BackupSummary(string Id, string Type, string? Parent, string? Label, DateTimeOffset StartTime, DateTimeOffset StopTime,
    string StartLsn, string StopLsn, uint Timeline, string StartWal, string StopWal, long Size, long StoredSize, double DurationSeconds,
    int PageChecksumErrors, bool WalComplete);

/// <param name="LastVerifyRestore">The newest recorded <c>verify-restore</c> run of the server, or null.</param>
/// <param name="Dumps">The server's logical dumps in this repository, oldest first.</param>
/// <param name="Window">The span of <see cref="Windows"/> that reaches the newest archived WAL (with no WAL gap, the only one).</param>
public sealed record ServerInfo(string Server, string Repository, string Location, ulong? SystemIdentifier, int? PgVersionNum,
    IReadOnlyList<BackupSummary> Backups, IReadOnlyList<WalRange> WalRanges, IReadOnlyList<string> WalGaps, RecoverableWindow? Window,
    string? Problem, VerifyRestoreRecord? LastVerifyRestore = null, IReadOnlyList<DumpSummary>? Dumps = null)
{
    /// <summary>Archive lag and (asynchronous archiving) spool, read on this host; null when the data directory is not readable here.</summary>
    public Wal.WalArchiveBacklog? ArchiveBacklog { get; init; }

    /// <summary>Every recoverable span, oldest first: a WAL gap ends one, a backup after the gap starts the next.</summary>
    public IReadOnlyList<RecoverableWindow> Windows { get; init; } = [];

    /// <summary>The streamer's slot on the server (<c>stream: true</c> servers; null otherwise or when the server did not answer).</summary>
    public Streaming.StreamSlotState? Stream { get; init; }
}

/// <param name="Stores">The Qdrant and Neo4j stores' backups (docs/stores.md) when neither a server nor a repository was named; null otherwise
/// or when no store is configured.</param>
public sealed record InfoResult(IReadOnlyList<ServerInfo> Servers, IReadOnlyList<StoreBackupListing>? Stores = null);

/// <summary>Backups, archived WAL and the recoverable window of one or every configured server.</summary>
public sealed class InfoOperation : Operation<InfoInput, InfoResult>
{
    public override string Name => "info";
    public override string Description => "List backups, logical dumps, archived WAL ranges and the recoverable window per server.";
    public override OperationRole Role => OperationRole.Viewer;
    public override OperationRoute Route => new("GET", "/api/servers/{server}/info", "Backups, archived WAL ranges and the recoverable window of a server");

    protected override async Task<InfoResult> ExecuteAsync(OperationContext context, InfoInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var servers = input.Server is null ? context.Options.Servers : [context.GetServer(input.Server)];
        var result = new List<ServerInfo>();
        foreach (var server in servers)
        {
            if (input.Repository is not null && input.Server is null
                && !server.Repositories.Contains(input.Repository, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }
            var repositories = context.RepositoriesFor(server, input.Repository);
            var backlog = Wal.WalArchiveBacklog.TryReadLocal(server);
            var stream = server.Stream ? await ReadStreamSlotAsync(server, cancellationToken).ConfigureAwait(false) : null;
            foreach (var repository in repositories)
            {
                var info = repositories.Count == 1
                    ? await DescribeAsync(server.Name, repository, cancellationToken).ConfigureAwait(false)
                    : await DescribeOrReportAsync(server.Name, repository, cancellationToken).ConfigureAwait(false);
                result.Add(info with { ArchiveBacklog = backlog, Stream = stream });
            }
        }
        var stores = input.Server is null && input.Repository is null && context.Options.Stores.Count > 0
            ? (await new ListStoreBackupsOperation().RunAsync(context, new ListStoreBackupsInput(), null, cancellationToken).ConfigureAwait(false)).Stores
            : null;
        return new InfoResult(result, stores);
    }

    /// <summary>The slot of a streamed server, or null when the server does not answer (info reads the repository, not the server).</summary>
    private static async Task<Streaming.StreamSlotState?> ReadStreamSlotAsync(Configuration.ServerOptions server, CancellationToken cancellationToken)
    {
        try
        {
            var session = await Postgres.PostgresSession.OpenAsync(server.Name, server.Connection, cancellationToken).ConfigureAwait(false);
            await using (session.ConfigureAwait(false))
            {
                return await Streaming.WalStreamSlot.ReadAsync(session, Streaming.WalStreamSlot.NameFor(server.Name), cancellationToken)
                    .ConfigureAwait(false);
            }
        }
        catch (PgArkException)
        {
            return null;
        }
    }

    /// <summary>
    /// Like <see cref="DescribeAsync"/>, but a repository that cannot be read becomes an entry with its problem, so that
    /// with several repositories the others are still shown (with one, the error itself is the clearer answer).
    /// </summary>
    public static async Task<ServerInfo> DescribeOrReportAsync(string server, Repository repository, CancellationToken cancellationToken)
    {
        try
        {
            return await DescribeAsync(server, repository, cancellationToken).ConfigureAwait(false);
        }
        catch (PgArkException ex) when (ex.Kind != ErrorKind.Usage)
        {
            return new ServerInfo(server, repository.Name, repository.Storage.Location, null, null, [], [], [], null, ex.Message);
        }
    }

    public static async Task<ServerInfo> DescribeAsync(string server, Repository repository, CancellationToken cancellationToken)
    {
        var record = await repository.ReadServerRecordAsync(server, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return new ServerInfo(server, repository.Name, repository.Storage.Location, null, null, [], [], [], null,
                $"not initialised: run 'pgark init --server {server}'");
        }
        var backups = await repository.ListBackupHeadersAsync(server, cancellationToken).ConfigureAwait(false);
        var wal = new List<(WalFileName, DateTimeOffset)>();
        await foreach (var file in repository.ListWalAsync(server, cancellationToken).ConfigureAwait(false))
        {
            wal.Add((file.Name, file.Entry.ModifiedAt));
        }
        var ranges = WalRanges.Compute(wal, record.WalSegmentSize);
        var gaps = WalRanges.Gaps(ranges, record.WalSegmentSize).Select(g => g.FirstMissing == g.LastMissing ? g.FirstMissing : $"{g.FirstMissing}..{g.LastMissing}").ToList();

        var summaries = backups.Select(b => new BackupSummary(b.Id, b.Type.ToString().ToLowerInvariant(), b.Parent, b.Label, b.StartTime, b.StopTime,
            b.StartLsn, b.StopLsn, b.Timeline, b.StartWal, b.StopWal, b.Size, b.StoredSize, b.DurationSeconds, b.PageChecksumErrors,
            RecoverableWindows.Covering(ranges, b.Timeline, b.StartWal, b.StopWal) is not null)).ToList();

        var windows = RecoverableWindows.Compute(backups, ranges, record.WalSegmentSize);
        var window = windows.Count == 0 ? null : windows.MaxBy(w => w.ToTime);
        var lastVerifyRestore = await new HistoryStore(repository).ReadLastVerifyRestoreAsync(server, cancellationToken).ConfigureAwait(false);
        var dumps = await new DumpCatalog(repository).ListAsync(server, cancellationToken).ConfigureAwait(false);
        return new ServerInfo(server, repository.Name, repository.Storage.Location, record.SystemIdentifier, record.PgVersionNum,
            summaries, ranges, gaps, window, null, lastVerifyRestore, dumps.Select(ListDumpsOperation.Summarize).ToList()) { Windows = windows };
    }
}
