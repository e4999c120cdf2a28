using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Logical;

using PgArk.Core.Operations.Runs;

namespace PgArk.Core.Operations;

/// <param name="Repository">Only this repository (default: each repository of the server).</param>
public sealed record DumpInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input(InputText.Database, Aliases = ["-d"])] string Database,
    [property: Input("full, schema or data.")] DumpMode Mode = DumpMode.Full,
    [property: Input(InputText.Tables, Aliases = ["--table", "-t"])] IReadOnlyList<string>? Tables = null,
    [property: Input("Parallel pg_dump workers (directory format only).", Aliases = ["-j"])] int Jobs = 0,
    [property: Input(InputText.Label)] string? Label = null,
    [property: Input("custom (one file, streamed into the repository) or directory (parallel).")] DumpFormat Format = DumpFormat.Custom,
    [property: Input(InputText.Repository, Aliases = ["--repo"])] string? Repository = null) : IServerInput, IDatabaseInput;

/// <summary>
/// Takes a logical dump (pg_dump) of one database into each repository of the server, one pg_dump per repository in
/// configuration order; the manifest of the first is returned. A failing repository is reported after the others.
/// </summary>
public sealed class DumpOperation : Operation<DumpInput, DumpManifest>
{
    public override string Name => "dump";
    public override string Description => "Take a logical dump (pg_dump) of a database: full, schema or data, optionally chosen tables.";
    public override OperationRole Role => OperationRole.Operator;
    public override bool LongRunning => true;
    public override OperationRoute Route => new("POST", "/api/servers/{server}/dumps", "Start a logical dump of one database (body: database, mode, tables)");

    public override RunFacts Facts(DumpInput input, DumpManifest? result) => result is null
        ? RunFacts.Of(input) with { Type = RunFacts.Lower(input.Mode), Label = input.Label }
        : RunFacts.Of(input) with
        {
            BackupId = result.Id, Database = result.Database, Type = RunFacts.Lower(result.Mode), Label = result.Label, SizeBytes = result.Size,
            StoredBytes = result.StoredSize, Checksum = RunFacts.Sha256(PgArkJson.Serialize(result)),
        };

    protected override async Task<DumpManifest> ExecuteAsync(OperationContext context, DumpInput input, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var logger = context.CreateLogger("PgArk.Dump");
        var dumpLock = await DumpLock.AcquireAsync(context.Options.LockPath, server.Name, cancellationToken).ConfigureAwait(false);
        await using var dumpLockScope = dumpLock.ConfigureAwait(false);
        var attempts = await RepositoryFanOut.RunEachAsync(context.RepositoriesFor(server, input.Repository), repository =>
            new DumpRunner(server, repository, logger).RunAsync(
                new DumpRequest(input.Database, input.Mode, input.Tables, input.Jobs, input.Label, input.Format), progress, cancellationToken),
            logger, cancellationToken).ConfigureAwait(false);
        RepositoryFanOut.ThrowIfAnyFailed(attempts, "dump", m => $"dump {m.Id}");
        return attempts[0].Result!;
    }
}

public sealed record DumpRestoreInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input("The dumped database.", Aliases = ["-d"])] string Database,
    [property: Input("Dump id (default: the newest dump of the database).")] string? Dump = null,
    [property: Input("Restore into this database instead.")] string? Into = null,
    [property: Input("Drop and recreate the target database first.")] bool Create = false,
    [property: Input(InputText.Tables, Aliases = ["--table", "-t"])] IReadOnlyList<string>? Tables = null,
    [property: Input("Parallel pg_restore workers.", Aliases = ["-j"])] int Jobs = 0,
    [property: Input("Must be true with create (it drops the target database) and when restored tables already exist; "
        + "a restore into a database or tables that do not exist needs none.", Aliases = ["--yes", "-y"])] bool Confirm = false)
    : IServerInput, IDatabaseInput, IConfirmedInput, IConfirmationPolicy
{
    /// <summary>
    /// With create, always (the target is dropped first). Otherwise only when tables already exist, which only the restorer
    /// can see: it refuses then without confirm, before it changes anything (README's dump-restore --into has no --yes).
    /// </summary>
    bool IConfirmationPolicy.NeedsConfirmation => Create;
}

/// <summary>Restores a dump (the newest of the database unless one is named) into that database or another.</summary>
public sealed class DumpRestoreOperation : Operation<DumpRestoreInput, DumpRestoreResult>
{
    public override string Name => "dump_restore";
    public override string Description => "Restore a logical dump, whole or chosen tables, into its database or another; compare row counts.";
    public override OperationRole Role => OperationRole.Admin;
    public override bool Destructive => true;
    public override bool LongRunning => true;
    public override OperationRoute Route => new("POST", "/api/servers/{server}/dumps/{dump}/restore", "Restore a logical dump (admin; \"confirm\": true)");

    public override RunFacts Facts(DumpRestoreInput input, DumpRestoreResult? result) => RunFacts.Of(input) with { BackupId = result?.DumpId ?? input.Dump };

    /// <summary>A restore whose row counts or Alembic revision differ from the dump's fails, whichever front end ran it.</summary>
    public override OperationVerdict Verdict(DumpRestoreResult result)
    {
        if (!result.AlembicMatches)
        {
            return OperationVerdict.Fail(ErrorKind.Integrity, $"Alembic revision in '{result.TargetDatabase}' is {result.AlembicRevision ?? "absent"}, " +
                $"the dump recorded {result.ExpectedAlembicRevision ?? "none"}");
        }
        var bad = result.RowCounts.Where(c => !c.Matches).ToList();
        return OperationVerdict.FailIf(bad.Count == 0 ? null
            : $"row counts in '{result.TargetDatabase}' differ from the dump's for {string.Join(", ", bad.Select(b => b.Table))}");
    }

    protected override async Task<DumpRestoreResult> ExecuteAsync(OperationContext context, DumpRestoreInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var (catalog, manifest) = await FindAsync(context.RepositoriesFor(server), server.Name, input, cancellationToken).ConfigureAwait(false);
        var restorer = new DumpRestorer(server, catalog, context.CreateLogger("PgArk.DumpRestore"));
        var result = await restorer.RunAsync(manifest, new DumpRestoreRequest(input.Into ?? input.Database, input.Create, input.Confirm, input.Tables, input.Jobs),
            progress, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>The dump from the first repository (configuration order) that has it; the first repository's error when none has.</summary>
    private static async Task<(DumpCatalog, DumpManifest)> FindAsync(IReadOnlyList<Catalog.Repository> repositories, string server,
        DumpRestoreInput input, CancellationToken cancellationToken)
    {
        PgArkException? first = null;
        foreach (var repository in repositories)
        {
            var catalog = new DumpCatalog(repository);
            try
            {
                return (catalog, await catalog.FindAsync(server, input.Dump, input.Database, cancellationToken).ConfigureAwait(false));
            }
            catch (PgArkException ex) when (repositories.Count > 1 && ex.Kind != ErrorKind.Usage)
            {
                first ??= ex;
            }
        }
        throw first!;
    }
}

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

public sealed record DeleteDumpInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input("Id of the dump to delete.")] string Dump,
    [property: Input(InputText.Confirm, Aliases = ["--yes", "-y"])] bool Confirm = false) : IServerInput, IConfirmedInput;

public sealed record DeleteDumpResult(string Server, string Dump, string Database);

/// <summary>Deletes one dump from the repository (confirmation required).</summary>
public sealed class DeleteDumpOperation : Operation<DeleteDumpInput, DeleteDumpResult>
{
    public override string Name => "delete_dump";
    public override string Description => "Delete a logical dump from the repository.";
    public override OperationRole Role => OperationRole.Admin;
    public override bool Destructive => true;
    public override OperationRoute Route => new("DELETE", "/api/servers/{server}/dumps/{dump}", "Delete a logical dump (admin; confirm=true)");

    public override RunFacts Facts(DeleteDumpInput input, DeleteDumpResult? result) =>
        RunFacts.Of(input) with { BackupId = input.Dump, Database = result?.Database };

    protected override async Task<DeleteDumpResult> ExecuteAsync(OperationContext context, DeleteDumpInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var catalog = new DumpCatalog(context.PrimaryRepositoryFor(server));
        var id = DumpId.Parse(input.Dump);
        var manifest = await catalog.ReadAsync(server.Name, id, cancellationToken).ConfigureAwait(false);
        if (!input.Confirm)
        {
            throw new RefusedException($"deleting dump '{id}' of database '{manifest.Database}' cannot be undone", "add --yes to confirm");
        }
        var dumpLock = await DumpLock.AcquireAsync(context.Options.LockPath, server.Name, cancellationToken).ConfigureAwait(false);
        await using var dumpLockScope = dumpLock.ConfigureAwait(false);
        await catalog.DeleteAsync(server.Name, id, cancellationToken).ConfigureAwait(false);
        return new DeleteDumpResult(server.Name, id.Value, manifest.Database);
    }
}

public sealed record ExpireDumpsInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input("Keep this many newest dumps per database (default: retention.logicalKeep).")] int? Keep = null,
    [property: Input("Keep dumps younger than this many days (default: retention.logicalDays).")] int? KeepDays = null,
    [property: Input(InputText.DryRun)] bool DryRun = false) : IServerInput, IDryRunInput, IConfirmationPolicy
{
    /// <summary>
    /// Never: retention always keeps each database's newest dump, and README's <c>pgark expire-dumps --keep N</c> has no
    /// --yes. It stays destructive, so MCP marks it and <c>ask</c> asks.
    /// </summary>
    bool IConfirmationPolicy.NeedsConfirmation => false;
}

public sealed record ExpireDumpsResult(string Server, bool DryRun, IReadOnlyList<DumpExpiry> Expired, int Kept);

/// <summary>Applies dump retention: keep the N newest per database and/or those younger than D days (default: the repository's logicalDays).</summary>
public sealed class ExpireDumpsOperation : Operation<ExpireDumpsInput, ExpireDumpsResult>
{
    public override string Name => "expire_dumps";
    public override string Description => "Remove logical dumps beyond retention (keep N newest per database, keep D days; the newest dump of a database is "
        + "always kept). Retention is routine: no confirmation needed.";
    public override OperationRole Role => OperationRole.Admin;
    public override bool Destructive => true;
    public override OperationRoute Route => new("POST", "/api/servers/{server}/dumps/expire", "Apply retention to logical dumps (admin)");

    protected override async Task<ExpireDumpsResult> ExecuteAsync(OperationContext context, ExpireDumpsInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var retention = context.Options.GetRepository(server.Repositories[0]).Retention;
        var given = input.Keep is not null || input.KeepDays is not null;
        var keep = given ? input.Keep : retention.LogicalKeep;
        var keepDays = given ? input.KeepDays : retention.LogicalDays;
        if (keep is null && keepDays is null)
        {
            throw new UsageException("no dump retention given",
                "pass --keep N and/or --keep-days D, or set retention.logicalKeep / retention.logicalDays for the repository");
        }
        var (plan, kept) = await ApplyAsync(context, server.Name, new DumpCatalog(context.PrimaryRepositoryFor(server)), keep, keepDays, input.DryRun,
            cancellationToken).ConfigureAwait(false);
        return new ExpireDumpsResult(server.Name, input.DryRun, plan, kept);
    }

    /// <summary>Plans dump retention and (unless a dry run) deletes what it expires, under the server's dump lock.</summary>
    internal static async Task<(IReadOnlyList<DumpExpiry> Plan, int Kept)> ApplyAsync(OperationContext context, string server, DumpCatalog catalog, int? keep,
        int? keepDays, bool dryRun, CancellationToken cancellationToken)
    {
        if (dryRun)
        {
            var listed = await catalog.ListAsync(server, cancellationToken).ConfigureAwait(false);
            var planned = DumpRetention.Plan(listed, keep, keepDays, DateTimeOffset.UtcNow);
            return (planned, listed.Count - planned.Count);
        }
        var dumpLock = await DumpLock.AcquireAsync(context.Options.LockPath, server, cancellationToken).ConfigureAwait(false);
        await using var dumpLockScope = dumpLock.ConfigureAwait(false);
        // Planned under the lock: no dump is written or deleted by anyone else until the removal is done.
        var dumps = await catalog.ListAsync(server, cancellationToken).ConfigureAwait(false);
        var plan = DumpRetention.Plan(dumps, keep, keepDays, DateTimeOffset.UtcNow);
        foreach (var expiry in plan)
        {
            await catalog.DeleteAsync(server, DumpId.Parse(expiry.Id), cancellationToken).ConfigureAwait(false);
        }
        return (plan, dumps.Count - plan.Count);
    }
}

/// <param name="NoCleanup">Leave the scratch cluster (stopped) for debugging (seed 001's verify.sh --no-cleanup); it is deleted by default.</param>
public sealed record VerifyDumpRestoreInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input("Dump to test (default: the newest of the database, or of the server).")] string? Dump = null,
    [property: Input("Test the newest dump of this database.", Aliases = ["-d"])] string? Database = null,
    [property: Input("Parallel pg_restore workers.", Aliases = ["-j"])] int Jobs = 0,
    [property: Input("Keep the scratch cluster (stopped) for inspection.")] bool NoCleanup = false) : IServerInput, IDatabaseInput;

/// <param name="Checks">The server's configured checks for the dumped database (servers[].verify.databases), run on the copy.</param>
public sealed record VerifyDumpRestoreResult(string Server, string Dump, string Database, string TemporaryDatabase, IReadOnlyList<RowCountCheck> RowCounts,
    string? ExpectedAlembicRevision, string? RestoredAlembicRevision, IReadOnlyList<string> Problems, double DurationSeconds)
{
    public IReadOnlyList<Catalog.VerifyCheckResult> Checks { get; init; } = [];

    /// <summary>True when the temporary database was left in place (NoCleanup).</summary>
    public bool Kept { get; init; }

    /// <summary>With NoCleanup: the folder of the stopped scratch cluster that holds the database (its data directory is <c>data</c>).</summary>
    public string? ScratchCluster { get; init; }
}

/// <summary>
/// Test restore of a dump into <c>&lt;db&gt;_verify_&lt;timestamp&gt;</c> of a scratch cluster (initdb on a private socket,
/// never the production server): every table present with the manifest's row count, the same Alembic revision, and the
/// server's configured checks for that database. The scratch cluster is deleted whatever happens (unless NoCleanup asks
/// to keep it, stopped, for debugging).
/// </summary>
public sealed class VerifyDumpRestoreOperation : Operation<VerifyDumpRestoreInput, VerifyDumpRestoreResult>
{
    public override string Name => "verify_dump_restore";
    public override string Description => "Restore a dump into a scratch cluster, check tables, row counts and Alembic revision, then delete it.";
    public override OperationRole Role => OperationRole.Operator;
    public override bool LongRunning => true;
    public override OperationRoute Route => new("POST", "/api/servers/{server}/dumps/{dump}/verify-restore", "Restore a dump into a scratch database and check it");

    public override RunFacts Facts(VerifyDumpRestoreInput input, VerifyDumpRestoreResult? result) =>
        RunFacts.Of(input) with { BackupId = result?.Dump ?? input.Dump, Database = result?.Database ?? input.Database };

    public override OperationVerdict Verdict(VerifyDumpRestoreResult result) => OperationVerdict.FailIf(
        result.Problems.Count == 0 ? null : string.Join("; ", result.Problems.Take(5)));

    protected override async Task<VerifyDumpRestoreResult> ExecuteAsync(OperationContext context, VerifyDumpRestoreInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var catalog = new DumpCatalog(context.PrimaryRepositoryFor(server));
        var manifest = await catalog.FindAsync(server.Name, input.Dump, input.Database, cancellationToken).ConfigureAwait(false);
        var suffix = "_verify_" + DateTimeOffset.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
        var temporary = (manifest.Database.Length + suffix.Length > 63 ? manifest.Database[..(63 - suffix.Length)] : manifest.Database) + suffix;
        var logger = context.CreateLogger("PgArk.VerifyDumpRestore");
        // The dump is repository content, and restoring it runs its SQL as a superuser: never on the production server.
        progress?.Report(new OperationProgress("scratch cluster", 0, 0));
        var scratch = await ScratchCluster.StartAsync(server, manifest.PgVersionNum / 10000, null, logger, cancellationToken).ConfigureAwait(false);
        try
        {
            var client = new PgClient(scratch.Server);
            var restorer = new DumpRestorer(scratch.Server, catalog, logger);
            var restored = await restorer.RunAsync(manifest, new DumpRestoreRequest(temporary, Create: true, Confirmed: true, Jobs: input.Jobs, Scratch: true),
                progress, cancellationToken).ConfigureAwait(false);
            var problems = restored.RowCounts.Where(c => !c.Matches).Select(c => c.Actual < 0
                ? $"table {c.Table} is missing after the restore" : $"table {c.Table} has {c.Actual} rows, the dump recorded {c.Expected}").ToList();
            string? alembic = null;
            if (manifest.Mode != DumpMode.Schema)
            {
                var connection = await client.OpenAsync(temporary, cancellationToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    alembic = await SchemaCatalog.AlembicRevisionAsync(connection, cancellationToken).ConfigureAwait(false);
                }
                if (alembic != manifest.AlembicRevision)
                {
                    problems.Add($"Alembic revision after the restore is {alembic ?? "absent"}, the dump recorded {manifest.AlembicRevision ?? "none"}");
                }
            }
            IReadOnlyList<Catalog.VerifyCheckResult> checks = [];
            if (server.Verify?.Databases.FirstOrDefault(d => d.Name == manifest.Database) is { } configured)
            {
                // The checks name the original database; they run against its restored copy.
                checks = await Verification.SandboxChecks.DatabaseAsync(client.ConnectionString(temporary), configured, cancellationToken).ConfigureAwait(false);
                problems.AddRange(checks.Where(c => !c.Passed).Select(c => $"check '{c.Name}' failed: {c.Detail}"));
            }
            return new VerifyDumpRestoreResult(server.Name, manifest.Id, manifest.Database, temporary, restored.RowCounts, manifest.AlembicRevision, alembic,
                problems, restored.DurationSeconds) { Checks = checks, Kept = input.NoCleanup, ScratchCluster = input.NoCleanup ? scratch.Sandbox.Root : null };
        }
        finally
        {
            await scratch.DisposeAsync(keep: input.NoCleanup).ConfigureAwait(false);
        }
    }
}
