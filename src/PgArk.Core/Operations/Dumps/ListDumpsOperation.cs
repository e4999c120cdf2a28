using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Logical;

using PgArk.Core.Operations.Runs;

namespace PgArk.Core.Operations;

public sealed record ListDumpsInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input("Only dumps of this database.", Aliases = ["-d"])] string? Database = null) : IServerInput, IDatabaseInput;

/// <param name="SelectedTables">Tables chosen with --table (empty: the whole database).</param>
public sealed record DumpSummary(string Id, string Database, string Mode, string Format, string? Label, DateTimeOffset StartTime, double DurationSeconds,
    long Size, long StoredSize, int Tables, long? Rows, string? AlembicRevision, IReadOnlyList<DumpTable> TableRows)
{
    public IReadOnlyList<string> SelectedTables { get; init; } = [];
}

public sealed record ListDumpsResult(string Server, string Repository, IReadOnlyList<DumpSummary> Dumps, IReadOnlyList<string> Incomplete);

/// <summary>Lists a server's logical dumps, oldest first.</summary>
public sealed class ListDumpsOperation : Operation<ListDumpsInput, ListDumpsResult>
{
    public override string Name => "list_dumps";
    public override string Description => "List the logical dumps of a server (optionally of one database).";
    public override OperationRole Role => OperationRole.Viewer;
    public override IReadOnlyList<string> CommandAliases => ["dumps"];
    public override OperationRoute Route => new("GET", "/api/servers/{server}/dumps", "Logical dumps of a server (query: database)");

    protected override async Task<ListDumpsResult> ExecuteAsync(OperationContext context, ListDumpsInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var repository = context.PrimaryRepositoryFor(server);
        var catalog = new DumpCatalog(repository);
        var dumps = await catalog.ListAsync(server.Name, cancellationToken).ConfigureAwait(false);
        var incomplete = await catalog.ListIncompleteAsync(server.Name, cancellationToken).ConfigureAwait(false);
        return new ListDumpsResult(server.Name, repository.Name,
            dumps.Where(d => input.Database is null || d.Database == input.Database).Select(Summarize).ToList(),
            incomplete.Select(i => i.Value).ToList());
    }

    public static DumpSummary Summarize(DumpManifest d) => new(d.Id, d.Database, d.Mode.ToString().ToLowerInvariant(), d.DumpFormat.ToString().ToLowerInvariant(),
        d.Label, d.StartTime, d.DurationSeconds, d.Size, d.StoredSize, d.Tables.Count,
        d.Mode == DumpMode.Schema ? null : d.Tables.Sum(t => t.Rows ?? 0), d.AlembicRevision, d.Tables) { SelectedTables = d.SelectedTables };
}
