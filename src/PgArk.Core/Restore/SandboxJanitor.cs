using System.Globalization;
using Microsoft.Extensions.Logging;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;

namespace PgArk.Core.Restore;

/// <summary>
/// Removes sandboxes whose restore was killed (kill -9, power loss): a killed process runs no cleanup, and the sandbox's
/// postmaster, started detached by pg_ctl, outlives it. Each sandbox records its owner (process id and start time, so a
/// reused pid is not mistaken for it); the next restore with the same sandbox folder stops and deletes every sandbox whose
/// owner is gone.
/// </summary>
internal static class SandboxJanitor
{
    public const string OwnerFile = "pgark-owner";

    /// <summary>The owner mark of the current process: "pid starttime".</summary>
    public static string CurrentOwner { get; } = Owner(Environment.ProcessId);

    /// <summary>Marks <paramref name="root"/> as belonging to this process.</summary>
    public static void Claim(string root) => File.WriteAllText(Path.Combine(root, OwnerFile), CurrentOwner);

    /// <summary>Whether the process an owner mark names is still running (the same process, not a later one with its pid).</summary>
    public static bool IsAlive(string owner)
    {
        var parts = owner.Trim().Split(' ');
        return parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Owner(pid) == owner.Trim();
    }

    /// <summary>Stops and deletes the abandoned sandboxes named <paramref name="prefix"/>-* in <paramref name="parent"/>; problems are logged.</summary>
    public static async Task RemoveAbandonedAsync(string? parent, string prefix, PgInstallation installation, ILogger logger,
        CancellationToken cancellationToken)
    {
        var folder = Path.GetFullPath(parent ?? Path.GetTempPath());
        if (!Directory.Exists(folder))
        {
            return;
        }
        foreach (var root in Directory.EnumerateDirectories(folder, prefix + "-*"))
        {
            var ownerFile = Path.Combine(root, OwnerFile);
            string owner;
            try
            {
                owner = await File.ReadAllTextAsync(ownerFile, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue; // not a sandbox of ours, or one being created this instant
            }
            if (IsAlive(owner))
            {
                continue;
            }
            logger.LogWarning("removing sandbox {Root} left by an interrupted restore (process {Owner} is gone)", root, owner.Trim());
            var data = Path.Combine(root, "data");
            if (File.Exists(Path.Combine(data, "postmaster.pid")))
            {
                try
                {
                    await LocalCluster.Attach(installation, data, Path.Combine(root, "run")).StopAsync(cancellationToken, immediate: true).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is PgArkException or IOException or InvalidOperationException or UnauthorizedAccessException)
                {
                    logger.LogWarning("unable to stop the abandoned sandbox in {Root}: {Message}", root, ex.Message);
                    continue;
                }
            }
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("unable to delete the abandoned sandbox {Root}: {Message}", root, ex.Message);
            }
        }
    }

    private static string Owner(int pid)
    {
        try
        {
            // Field 22 of /proc/<pid>/stat, counted after the command name (which may hold spaces and parentheses).
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return string.Create(CultureInfo.InvariantCulture, $"{pid} {fields[19]}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return "";
        }
    }
}
