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
public sealed class RestoreVerifier(Repository repository, ILogger logger)
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
        var root = CreateSandboxFolder(sandboxParent ?? Path.GetTempPath(), server.Name);
        logger.LogInformation("verify-restore of backup {Id} of server '{Server}' in sandbox {Root}", manifest.Id, server.Name, root);
        LocalCluster? cluster = null;
        try
        {
            var phase = Stopwatch.StartNew();
            progress?.Report(new OperationProgress("restore", 0, manifest.Size));
            var dataDirectory = Path.Combine(root, "data");
            await new PhysicalRestoreRunner(repository, logger).RunAsync(server.Name,
                new RestoreOptions(dataDirectory, RestoreTarget.Immediate, archiveGetCommand, manifest.Id, TargetAction.Promote),
                progress, cancellationToken).ConfigureAwait(false);
            restoreSeconds = Seconds(phase);

            phase.Restart();
            progress?.Report(new OperationProgress("start and recover", 0, 0));
            cluster = LocalCluster.Attach(installation, dataDirectory, Path.Combine(root, "run"));
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
            await DisposeSandboxAsync(cluster, root).ConfigureAwait(false);
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

    private static string CreateSandboxFolder(string parent, string server)
    {
        var root = Path.Combine(Path.GetFullPath(parent), $"pgark-verify-{server}-{Guid.NewGuid():N}"[..^20]);
        Directory.CreateDirectory(root);
        // PostgreSQL (as postgres when we are root) must reach its folders inside.
        File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return root;
    }

    /// <summary>Stops the sandbox (pg_ctl, else kill by pid) and deletes its folder, whatever state it is in.</summary>
    private async Task DisposeSandboxAsync(LocalCluster? cluster, string root)
    {
        if (cluster is not null)
        {
            try
            {
                await cluster.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is PgArkException or IOException or InvalidOperationException)
            {
                logger.LogWarning("unable to stop the verify-restore sandbox in {Root}: {Message}", root, ex.Message);
            }
        }
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("unable to delete the verify-restore sandbox {Root}: {Message}", root, ex.Message);
        }
    }
}
