using System.Diagnostics;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;
using PgArk.Core.Wal;

namespace PgArk.Core.Operations;

public sealed record CheckInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input(InputText.ArchiveTimeout, Aliases = ["--archive-timeout"])] int? ArchiveTimeoutSeconds = null) : IServerInput;

public sealed record CheckItem(string Name, bool Ok, string Detail);

public sealed record CheckResult(string Server, IReadOnlyList<CheckItem> Checks)
{
    public bool Ok => Checks.All(c => c.Ok);

    /// <summary>Problems that do not fail the check: secret files other local users can read (see SecretFilePermissions).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>
/// Verifies that a server can be backed up: connection, WAL settings, the repository's record of the cluster, and a
/// real archive round trip (switch WAL, wait for the segment to arrive in every repository).
/// </summary>
public sealed class CheckOperation : Operation<CheckInput, CheckResult>
{
    public override string Name => "check";
    public override string Description => "Check connection, WAL settings and that archive_command delivers WAL to the repository.";
    public override OperationRole Role => OperationRole.Operator;
    public override OperationRoute Route => new("POST", "/api/servers/{server}/check", "Check connection, settings and the archive_command round trip");

    public override OperationVerdict Verdict(CheckResult result) => OperationVerdict.FailIf(result.Ok ? null
        : string.Join("; ", result.Checks.Where(c => !c.Ok).Select(c => $"{c.Name}: {c.Detail}")), ErrorKind.Failed);

    protected override async Task<CheckResult> ExecuteAsync(OperationContext context, CheckInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var archiveTimeout = InputValues.Seconds(input.ArchiveTimeoutSeconds, "archive_timeout_seconds") ?? TimeSpan.FromSeconds(60);
        var server = context.GetServer(input.Server);
        var warnings = Configuration.SecretFilePermissions.Warnings(context.Options, server);
        var checks = new List<CheckItem>();
        PostgresSession session;
        try
        {
#pragma warning disable CA2000 // disposed by the await using below once opened (the analyzer does not follow the try/catch assignment)
            session = await PostgresSession.OpenAsync(server.Name, server.Connection, cancellationToken).ConfigureAwait(false);
#pragma warning restore CA2000
        }
        catch (PgArkException ex)
        {
            checks.Add(new CheckItem("connection", false, ex.Message));
            return new CheckResult(server.Name, checks) { Warnings = warnings };
        }
        await using (session.ConfigureAwait(false))
        {
            var facts = await session.GetClusterFactsAsync(cancellationToken).ConfigureAwait(false);
            checks.Add(new CheckItem("connection", true, $"PostgreSQL {facts.VersionNum / 10000}.{facts.VersionNum % 100}, system identifier {facts.SystemIdentifier}"));
            checks.Add(new CheckItem("wal_level", facts.WalLevel is "replica" or "logical",
                facts.WalLevel is "replica" or "logical" ? facts.WalLevel : $"'{facts.WalLevel}': set wal_level = replica and restart"));
            // A streamed server (stream: true, or its pgark slot exists) gets its WAL through the slot: archiving is optional.
            var slotName = Streaming.WalStreamSlot.NameFor(server.Name);
            var slot = await Streaming.WalStreamSlot.ReadAsync(session, slotName, cancellationToken).ConfigureAwait(false);
            var streamed = server.Stream || slot is not null;
            var archiving = facts.ArchiveMode is "on" or "always";
            checks.Add(new CheckItem("archive_mode", archiving || streamed, archiving ? facts.ArchiveMode
                : streamed ? $"'{facts.ArchiveMode}': WAL is streamed through slot {slotName}"
                : $"'{facts.ArchiveMode}': set archive_mode = on and restart"));
            var pushes = facts.ArchiveCommand.Contains("archive-push", StringComparison.Ordinal)
                && facts.ArchiveCommand.Contains($"--server {server.Name}", StringComparison.Ordinal);
            checks.Add(new CheckItem("archive_command", pushes || streamed, pushes
                ? facts.ArchiveCommand
                : streamed ? $"'{facts.ArchiveCommand}': WAL is streamed through slot {slotName}"
                : $"'{facts.ArchiveCommand}' does not call pgark archive-push for this server; suggested: {context.ArchivePushCommand(server.Name)}"));
            if (streamed)
            {
                // Lag is a fact; a slot nobody streams from is a problem (pg_wal grows until max_slot_wal_keep_size).
                checks.Add(new CheckItem("stream", slot is { Active: true }, slot?.Describe()
                    ?? $"no replication slot {slotName}: run 'pgark stream --server {server.Name}' (or 'pgark serve' with stream: true)"));
            }

            var repositories = context.RepositoriesFor(server);
            var recordsOk = true;
            foreach (var repository in repositories)
            {
                var record = await repository.ReadServerRecordAsync(server.Name, cancellationToken).ConfigureAwait(false);
                var ok = record is not null && record.SystemIdentifier == facts.SystemIdentifier;
                recordsOk &= ok;
                checks.Add(new CheckItem($"repository '{repository.Name}'", ok, record is null
                    ? $"server not initialised: run 'pgark init --server {server.Name}'"
                    : ok ? repository.Storage.Location : $"holds system identifier {record.SystemIdentifier}, server reports {facts.SystemIdentifier}"));
            }

            if ((archiving || slot is { Active: true }) && recordsOk && !facts.InRecovery)
            {
                var stopwatch = Stopwatch.StartNew();
                var segment = await session.SwitchWalAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    foreach (var repository in repositories)
                    {
                        await WalArchiveWaiter.WaitForSegmentsAsync(repository, server.Name, [segment],
                            archiveTimeout, cancellationToken).ConfigureAwait(false);
                    }
                    checks.Add(new CheckItem("archive round trip", true, $"segment {segment} archived in {stopwatch.Elapsed.TotalSeconds:0.00} s"));
                }
                catch (OperationFailedException ex)
                {
                    checks.Add(new CheckItem("archive round trip", false, ex.Message));
                }
            }
            else
            {
                checks.Add(new CheckItem("archive round trip", false, "skipped: fix the problems above first"));
            }
            if (archiving)
            {
                // Lag and spool are facts, not a verdict: only a segment the pusher could not store fails the check.
                try
                {
                    var backlog = await WalArchiveBacklog.ReadAsync(session, server, cancellationToken).ConfigureAwait(false);
                    checks.Add(new CheckItem("archive backlog", backlog.SpoolErrors.Count == 0, backlog.Describe()));
                }
                catch (Exception ex) when (ex is PgArkException or Npgsql.PostgresException or IOException or UnauthorizedAccessException)
                {
                    checks.Add(new CheckItem("archive backlog", true, $"not readable: {ex.Message}"));
                }
            }
        }
        return new CheckResult(server.Name, checks) { Warnings = warnings };
    }
}
