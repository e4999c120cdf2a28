using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Logical;

using PgArk.Core.Operations.Runs;

namespace PgArk.Core.Operations;

public sealed record VerifyDumpInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input("Only this dump (default: every dump of the server).")] string? Dump = null) : IServerInput;

public sealed record VerifyDumpResult(string Server, IReadOnlyList<string> Dumps, IReadOnlyList<string> Problems);

/// <summary>Checks stored dumps (one, or all of the server): checksums and pg_restore's reading of the table of contents.</summary>
public sealed class VerifyDumpOperation : Operation<VerifyDumpInput, VerifyDumpResult>
{
    public override string Name => "verify_dump";
    public override string Description => "Check logical dumps: file checksums and a pg_restore --list reading of each archive.";
    public override OperationRole Role => OperationRole.Operator;
    public override bool LongRunning => true;
    public override OperationRoute Route => new("POST", "/api/servers/{server}/dumps/{dump}/verify", "Verify a dump's checksums");

    public override RunFacts Facts(VerifyDumpInput input, VerifyDumpResult? result) => RunFacts.Of(input) with { BackupId = input.Dump };

    public override OperationVerdict Verdict(VerifyDumpResult result) => OperationVerdict.FailIf(
        result.Problems.Count == 0 ? null : string.Join("; ", result.Problems.Take(5)));

    protected override async Task<VerifyDumpResult> ExecuteAsync(OperationContext context, VerifyDumpInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var catalog = new DumpCatalog(context.PrimaryRepositoryFor(server));
        var dumps = input.Dump is null ? await catalog.ListAsync(server.Name, cancellationToken).ConfigureAwait(false)
            : [await catalog.ReadAsync(server.Name, DumpId.Parse(input.Dump), cancellationToken).ConfigureAwait(false)];
        if (dumps.Count == 0)
        {
            throw new NotFoundException($"server '{server.Name}' has no dumps to verify");
        }
        var verifier = DumpVerifier.ForServer(server);
        var problems = new List<string>();
        foreach (var dump in dumps)
        {
            problems.AddRange(await verifier.VerifyAsync(catalog, dump, cancellationToken).ConfigureAwait(false));
        }
        return new VerifyDumpResult(server.Name, dumps.Select(d => d.Id).ToList(), problems);
    }
}
