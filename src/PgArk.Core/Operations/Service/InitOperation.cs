using Microsoft.Extensions.Logging;
using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;

namespace PgArk.Core.Operations;

public sealed record InitInput(
    [property: Input(InputText.Server)] string Server) : IServerInput;

/// <param name="Repositories">Per repository: "created" or "already initialised".</param>
public sealed record InitResult(string Server, ulong SystemIdentifier, int PgVersionNum, long WalSegmentSize, IReadOnlyDictionary<string, string> Repositories);

/// <summary>Creates the server's area in each of its repositories and records the cluster's system identifier.</summary>
public sealed class InitOperation : Operation<InitInput, InitResult>
{
    public override string Name => "init";
    public override string Description => "Create the server's area in each repository and record its system identifier.";
    public override OperationRole Role => OperationRole.Admin;
    public override OperationRoute Route => new("POST", "/api/servers/{server}/init", "Create the server's area in its repositories");

    protected override async Task<InitResult> ExecuteAsync(OperationContext context, InitInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var session = await PostgresSession.OpenAsync(server.Name, server.Connection, cancellationToken).ConfigureAwait(false);
        await using var sessionScope = session.ConfigureAwait(false);
        var facts = await session.GetClusterFactsAsync(cancellationToken).ConfigureAwait(false);
        var outcome = new Dictionary<string, string>();
        foreach (var repository in context.RepositoriesFor(server))
        {
            await repository.EnsureMarkerAsync(cancellationToken).ConfigureAwait(false);
            var existing = await repository.ReadServerRecordAsync(server.Name, cancellationToken).ConfigureAwait(false);
            if (existing is not null)
            {
                if (existing.SystemIdentifier != facts.SystemIdentifier)
                {
                    throw new IntegrityException(
                        $"repository '{repository.Name}' already holds server '{server.Name}' with system identifier {existing.SystemIdentifier}, but the server now reports {facts.SystemIdentifier}",
                        "a different cluster answers on this connection; use a new server name for it");
                }
                outcome[repository.Name] = "already initialised";
                continue;
            }
            await repository.WriteJsonAsync(RepositoryLayout.ServerRecordPath(server.Name), new ServerRecord
            {
                Name = server.Name,
                SystemIdentifier = facts.SystemIdentifier,
                PgVersionNum = facts.VersionNum,
                WalSegmentSize = facts.WalSegmentSize,
                CreatedAt = DateTimeOffset.UtcNow,
            }, cancellationToken).ConfigureAwait(false);
            context.CreateLogger("PgArk.Init").LogInformation("initialised server '{Server}' in repository '{Repository}'", server.Name, repository.Name);
            outcome[repository.Name] = "created";
        }
        return new InitResult(server.Name, facts.SystemIdentifier, facts.VersionNum, facts.WalSegmentSize, outcome);
    }
}
