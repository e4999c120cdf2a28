using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;

namespace PgArk.Core.Operations;

/// <param name="Server">The server whose history is read (its first repository holds the history).</param>
/// <param name="Limit">At most this many runs, newest first (1-1000, default 50).</param>
/// <param name="Operation">Only runs of this operation (registry name: backup, verify_restore, ...).</param>
public sealed record ListRunsInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input("At most this many runs, newest first (1-1000).")] int Limit = 50,
    [property: Input("Only runs of this operation (registry name, e.g. backup or verify_restore).")] string? Operation = null) : IServerInput;

/// <summary>One recorded run, as the dashboard's history shows it.</summary>
/// <param name="Status">success, failure, skipped or cancelled.</param>
/// <param name="Origin">schedule (started by pgark serve's scheduler) or manual.</param>
public sealed record RunSummary(string RunId, string Operation, string Status, string Origin, string? Database, string? Type, string? BackupId,
    DateTimeOffset StartedAt, DateTimeOffset FinishedAt, double DurationSeconds, long? SizeBytes, long? StoredBytes, string? Error);

/// <param name="Total">Runs recorded (after the operation filter), of which <c>Runs</c> lists the newest.</param>
public sealed record ListRunsResult(string Server, string Repository, int Total, IReadOnlyList<RunSummary> Runs);

/// <summary>The recorded runs of a server (backups, dumps, verifications, restores, expiries), newest first, failures with their error.</summary>
public sealed class ListRunsOperation : Operation<ListRunsInput, ListRunsResult>
{
    // Run records never change once written: each is read once per process.
    private readonly RunHistoryCache _cache = new();

    public override string Name => "list_runs";
    public override string Description => "List the recorded runs of a server (backup, dump, verify, restore, expire ...), newest first, with status, duration, sizes and the error of failed runs.";
    public override OperationRole Role => OperationRole.Viewer;
    public override OperationRoute Route => new("GET", "/api/servers/{server}/runs", "History of a server's runs, newest first (query: limit, operation)");

    protected override async Task<ListRunsResult> ExecuteAsync(OperationContext context, ListRunsInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        if (input.Limit is < 1 or > 1000)
        {
            throw new UsageException($"argument 'limit': must be between 1 and 1000 (got {input.Limit})");
        }
        var server = context.GetServer(input.Server);
        var repository = context.PrimaryRepositoryFor(server);
        var records = await _cache.ReadAsync(server.Name, repository, cancellationToken).ConfigureAwait(false);
        var matching = records
            .Where(r => input.Operation is null || string.Equals(r.Operation, input.Operation, StringComparison.Ordinal))
            .OrderByDescending(r => r.StartedAt)
            .ToList();
        var runs = matching.Take(input.Limit)
            .Select(r => new RunSummary(r.RunId, r.Operation, r.Status, r.Origin, r.Database, r.Type, r.BackupId, r.StartedAt, r.FinishedAt,
                r.DurationSeconds, r.SizeBytes, r.StoredBytes, r.Error))
            .ToList();
        return new ListRunsResult(server.Name, repository.Name, matching.Count, runs);
    }
}
