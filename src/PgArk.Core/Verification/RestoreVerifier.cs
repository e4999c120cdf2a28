using System.Diagnostics;
using Microsoft.Extensions.Logging;
using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;
using PgArk.Core.Restore;

namespace PgArk.Core.Verification;

/// <summary>
/// A test restore: restores a backup into a temporary sandbox (recovery target immediate, then promote), starts it with
/// archiving off on a free port, runs the checks, and always stops and deletes the sandbox. The outcome, with the time of
/// each phase, is recorded in the repository's history whether the checks passed or not.
/// </summary>
internal sealed class RestoreVerifier(Repository repository, ILogger logger)
{
    public static readonly TimeSpan RecoveryTimeout = TimeSpan.FromMinutes(30);

    /// <param name="archiveGetCommand">restore_command for the sandbox (fetches WAL from this repository).</param>
    /// <param name="sandboxParent">Folder the temporary sandbox is created in (default: the system temp folder).</param>
    public async Task<VerifyRestoreRecord> RunAsync(ServerOptions server, string? backupId, string archiveGetCommand, string? sandboxParent,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var backups = await repository.ListBackupsAsync(server.Name, cancellationToken).ConfigureAwait(false);
        var manifest = RestorePlanner.ChooseBackup(server.Name, backups, RestoreTarget.Immediate, backupId);
        var installation = PgInstallation.Find(server.PgBin, manifest.PgVersionNum / 10000);
        var options = server.Verify ?? VerifyOptions.Default;

        var startedAt = DateTimeOffset.UtcNow;
        var total = Stopwatch.StartNew();
        double? restoreSeconds = null, recoverySeconds = null, checksSeconds = null;
        var checks = new List<VerifyCheckResult>();
        string? error = null;
        var sandbox = RestoreSandbox.Create(sandboxParent, $"pgark-verify-{server.Name}", logger);
        logger.LogInformation("verify-restore of backup {Id} of server '{Server}' in sandbox {Root}", manifest.Id, server.Name, sandbox.Root);
        try
        {
            var phase = Stopwatch.StartNew();
            progress?.Report(new OperationProgress("restore", 0, manifest.Size));
            var dataDirectory = sandbox.DataDirectory;
            var restoreOptions = new RestoreOptions(dataDirectory, RestoreTarget.Immediate, archiveGetCommand, manifest.Id, TargetAction.Promote,
                sandbox.TablespaceMap(manifest));
            await new PhysicalRestoreRunner(repository, logger).RunAsync(server.Name, restoreOptions, progress, cancellationToken).ConfigureAwait(false);
            // The repository is untrusted input: the sandbox starts from PgArk's settings, never the backup's.
            await sandbox.WriteOwnConfigurationAsync(RecoverySettings.Build(restoreOptions, manifest.Id), cancellationToken).ConfigureAwait(false);
            restoreSeconds = Seconds(phase);

            phase.Restart();
            progress?.Report(new OperationProgress("start and recover", 0, 0));
            var cluster = LocalCluster.Attach(installation, dataDirectory, sandbox.SocketDirectory);
            sandbox.Cluster = cluster;
            // A side copy: it must never archive into the source's WAL area.
            await cluster.StartAsync(cancellationToken, RecoveryTimeout,
                new Dictionary<string, string> { ["archive_mode"] = "off" }).ConfigureAwait(false);
            await cluster.WaitUntilPrimaryAsync(RecoveryTimeout, cancellationToken).ConfigureAwait(false);
            recoverySeconds = Seconds(phase);

            phase.Restart();
            progress?.Report(new OperationProgress("checks", 0, 0));
            checks = await SandboxChecks.RunAsync(cluster, options, cancellationToken).ConfigureAwait(false);
            checksSeconds = Seconds(phase);
        }
        catch (PgArkException ex)
        {
            error = ex.Message;
        }
        catch (Exception ex) when (ex is IOException or Npgsql.NpgsqlException)
        {
            error = ex.Message;
        }
        finally
        {
            await sandbox.DisposeAsync().ConfigureAwait(false);
        }

        var record = new VerifyRestoreRecord
        {
            Server = server.Name, BackupId = manifest.Id, StartedAt = startedAt, FinishedAt = DateTimeOffset.UtcNow,
            Passed = error is null && checks.All(c => c.Passed),
            RestoreSeconds = restoreSeconds, RecoverySeconds = recoverySeconds, ChecksSeconds = checksSeconds,
            RtoSeconds = restoreSeconds + recoverySeconds, TotalSeconds = Seconds(total), Checks = checks, Error = error,
        };
        await new HistoryStore(repository).WriteVerifyRestoreAsync(record, CancellationToken.None).ConfigureAwait(false);
        return record;
    }

    private static double Seconds(Stopwatch watch) => Math.Round(watch.Elapsed.TotalSeconds, 3);
}
