using PgArk.Core.Configuration;
namespace PgArk.Core.Operations;

public sealed record ListRepositoriesInput(
    [property: Input("Only the repositories this server uses (default: every configured repository).", Aliases = ["-s"])] string? Server = null)
    : IServerInput;

/// <param name="Location">Where it stores: a folder, or s3://bucket/prefix.</param>
/// <param name="Servers">The configured servers that use it, in configuration order.</param>
public sealed record RepositorySummary(string Name, string Type, string Location, string Compression, bool Encrypted, IReadOnlyList<string> Servers);

public sealed record ListRepositoriesResult(IReadOnlyList<RepositorySummary> Repositories);

/// <summary>The configured repositories and the servers using each; reads the configuration only (no storage is touched).</summary>
public sealed class ListRepositoriesOperation : Operation<ListRepositoriesInput, ListRepositoriesResult>
{
    public override string Name => "list_repositories";
    public override string Description => "List the configured repositories: type, location, compression, encryption and the servers that use each.";
    public override OperationRole Role => OperationRole.Viewer;
    public override OperationRoute Route => new("GET", "/api/repositories", "The configured repositories and the servers using each");

    protected override Task<ListRepositoriesResult> ExecuteAsync(OperationContext context, ListRepositoriesInput input,
        IProgress<Common.OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var only = input.Server is null ? null : context.GetServer(input.Server).Repositories;
        var repositories = options.Repositories
            .Where(r => only is null || only.Contains(r.Name, StringComparer.OrdinalIgnoreCase))
            .Select(r => new RepositorySummary(r.Name, r.Type.ToString().ToLowerInvariant(), r.S3?.Location ?? r.Path,
                r.Compression.ToString().ToLowerInvariant(), r.Encryption is not null,
                options.Servers.Where(s => s.Repositories.Contains(r.Name, StringComparer.OrdinalIgnoreCase)).Select(s => s.Name).ToList()))
            .ToList();
        return Task.FromResult(new ListRepositoriesResult(repositories));
    }
}
