using PgArk.Core.Common;

namespace PgArk.Core.Restore;

/// <summary>
/// Makes a restore durable: every file and folder it wrote, in the data directory and in each tablespace's own
/// folder, is fsynced, and so is each folder that gained an entry (the data directory's and the locations' parents), so
/// a power loss after "restore ok" cannot leave a cluster with missing or empty files.
/// </summary>
/// <remarks>
/// fsync per file rather than one syncfs: the data directory, pg_wal and each tablespace can sit on different file
/// systems, and syncfs reports write-back errors only on recent kernels, whereas fsync's error belongs to the file.
/// The first error fails the restore (exit 1) naming the path.
/// </remarks>
internal static class RestoredTree
{
    /// <param name="roots">Folders whose whole content the restore wrote (the data directory, each tablespace's own folder).</param>
    /// <param name="alsoFolders">Further folders that gained entries (parents, tablespace locations, the saved-WAL folder).</param>
    /// <param name="alreadySynced">Files synced through their own descriptor right after they were written (<see cref="FileSyncQueue"/>).</param>
    public static async Task SyncAsync(IReadOnlyCollection<string> roots, IEnumerable<string> alsoFolders, Func<string, bool> alreadySynced, int jobs,
        StageProfile profile, CancellationToken cancellationToken)
    {
        var files = new List<string>();
        var folders = new HashSet<string>(alsoFolders.Where(Directory.Exists), StringComparer.Ordinal);
        foreach (var root in roots.Where(Directory.Exists))
        {
            Collect(new DirectoryInfo(root), files, folders, depth: 0);
        }
        files.RemoveAll(alreadySynced.Invoke);
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, jobs), CancellationToken = cancellationToken },
            (file, _) =>
            {
                var start = profile.Start();
                Libc.SyncFile(file);
                profile.Add(RestoreStage.SyncFiles, start);
                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);
        // Folders after their files: an entry counts once both the inode and the folder naming it are on disk.
        foreach (var folder in folders)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var start = profile.Start();
            Libc.SyncFolder(folder);
            profile.Add(RestoreStage.SyncFolders, start);
        }
    }

    private static void Collect(DirectoryInfo folder, List<string> files, HashSet<string> folders, int depth)
    {
        folders.Add(folder.FullName);
        foreach (var entry in folder.EnumerateFileSystemInfos())
        {
            // Links (tablespaces, a pg_wal elsewhere) are their folder's entries; what they point at is synced as its own root.
            if (entry.LinkTarget is not null)
            {
                if (depth == 0 && entry.Name == "pg_wal" && Directory.Exists(entry.FullName))
                {
                    Collect(new DirectoryInfo(entry.FullName), files, folders, depth + 1);
                }
                continue;
            }
            if (entry is DirectoryInfo child)
            {
                Collect(child, files, folders, depth + 1);
            }
            else
            {
                files.Add(entry.FullName);
            }
        }
    }
}
