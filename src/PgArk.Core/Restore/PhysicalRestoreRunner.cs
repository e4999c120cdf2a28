using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using PgArk.Core.Catalog;
using PgArk.Core.Codecs;
using PgArk.Core.Common;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;

namespace PgArk.Core.Restore;

/// <summary>
/// Restores a physical backup into an empty data directory and configures recovery to the target. Every file is
/// checked against the SHA-256 in the manifest as it is written; on any failure, everything the restore created is
/// removed again, so a failed restore never leaves a half-written cluster that could be started by mistake.
/// </summary>
internal sealed class PhysicalRestoreRunner(Repository repository, ILogger logger)
{
    public async Task<RestoreResult> RunAsync(string server, RestoreOptions options, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var profile = RestoreStage.NewProfile();
        var planStart = profile.Start();
        var backups = await repository.ListBackupsAsync(server, cancellationToken).ConfigureAwait(false);
        var chosen = RestorePlanner.ChooseBackup(server, backups, options.Target, options.BackupId);
        // The chain hands out manifests that passed ManifestPathValidator: a forged path refuses (exit 5) before any write.
        var chain = new BackupChain(repository, server);
        await chain.LineageAsync(chosen.Id, cancellationToken).ConfigureAwait(false);
        var manifest = await chain.ManifestAsync(chosen.Id, cancellationToken).ConfigureAwait(false);
        if (options.Timeline?.Id is { } timeline && timeline < manifest.Timeline)
        {
            throw new UsageException($"backup {manifest.Id} was taken on timeline {manifest.Timeline}; recovery cannot follow the older timeline {timeline}",
                "choose a backup taken on that timeline with --backup, or use --target-timeline latest");
        }
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        var tablespaceTargets = MapTablespaces(manifest, options.TablespaceMap, dataDirectory);
        // Where the tablespaces go comes from the manifest (repository content) or the caller: the caller's policy decides.
        options.CheckTablespaceLocations?.Invoke([.. tablespaceTargets.Values]);

        var delta = options.Delta && Directory.Exists(dataDirectory) && Directory.EnumerateFileSystemEntries(dataDirectory).Any();
        var walDirectory = WalDirectoryOf(options, manifest, dataDirectory, tablespaceTargets.Values, delta);
        if (delta)
        {
            await DeltaRestoreGuard.CheckDataDirectoryAsync(dataDirectory, manifest, cancellationToken).ConfigureAwait(false);
            DeltaRestoreGuard.CheckTablespaces(dataDirectory, manifest, tablespaceTargets);
        }
        else
        {
            CheckEmptyTarget(dataDirectory, "data directory");
            foreach (var location in tablespaceTargets.Values)
            {
                CheckEmptyTarget(location, "tablespace location");
            }
        }
        if (walDirectory is not null && !(delta && IsLinkTo(Path.Combine(dataDirectory, "pg_wal"), walDirectory)))
        {
            CheckEmptyTarget(walDirectory, "WAL directory");
        }
        await CheckWalPresentAsync(server, manifest, cancellationToken).ConfigureAwait(false);

        logger.LogInformation("restoring backup {Id} of server '{Server}' into {DataDirectory}, target {Target}", manifest.Id, server, dataDirectory, options.Target);
        var owner = ChooseOwner(dataDirectory);
        var created = new CreatedPaths(Directory.Exists(dataDirectory));
        profile.Add(RestoreStage.Plan, planStart);
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var start = profile.Start();
            if (delta)
            {
                // pg_control goes first and comes back last: a delta restore killed midway must not leave the old
                // cluster's pg_control beside half-rewritten files, where PostgreSQL would start as if nothing happened.
                RemoveControlFile(dataDirectory);
            }
            var savedWal = delta ? UnarchivedWal.MoveAside(dataDirectory, logger) : null;
            CreateLayout(manifest, dataDirectory, tablespaceTargets, walDirectory, created, delta);
            var removed = delta ? RemoveExtraneous(manifest, dataDirectory, tablespaceTargets) : 0;
            profile.Add(RestoreStage.Layout, start);
            var rebuilder = new FileRebuilder(repository, chain, profile, startWriteback: true);
            var syncQueue = new FileSyncQueue(options.EffectiveJobs, SyncQueueCapacity, profile);
            await using var syncQueueScope = syncQueue.ConfigureAwait(false);
            var (written, bytesWritten) = await RestoreFilesAsync(rebuilder, manifest, dataDirectory, options.EffectiveJobs, delta, owner, syncQueue,
                profile, progress, cancellationToken).ConfigureAwait(false);
            await syncQueue.CompleteAsync().ConfigureAwait(false);
            var settings = RecoverySettings.Build(options, manifest.Id);
            await RecoverySettings.WriteAsync(dataDirectory, settings, manifest.Id, cancellationToken).ConfigureAwait(false);
            syncQueue.Forget(Path.Combine(dataDirectory, "postgresql.auto.conf"));
            var ownTablespaceFolders = manifest.Tablespaces
                .Select(t => (Location: tablespaceTargets[t.Oid], Own: ManifestPathValidator.OwnTablespaceFolder(manifest, t.Oid)))
                .Where(t => t.Own is not null)
                .Select(t => Path.Combine(t.Location, t.Own!))
                .ToList();
            start = profile.Start();
            if (owner is { } o)
            {
                ChownTree(dataDirectory, o, syncQueue.IsSynced);
                foreach (var location in tablespaceTargets.Values)
                {
                    Libc.ChangeOwner(location, o.Uid, o.Gid);
                }
                foreach (var folder in ownTablespaceFolders.Where(Directory.Exists).Append(savedWal).Append(walDirectory).OfType<string>())
                {
                    ChownTree(folder, o, syncQueue.IsSynced);
                }
            }
            profile.Add(RestoreStage.Ownership, start);
            // Durable before "ok": everything written, in the data directory and each tablespace, and the folders naming it.
            var parents = tablespaceTargets.Values.Append(dataDirectory).Append(walDirectory).OfType<string>().Select(p => Path.GetDirectoryName(p)!);
            await RestoredTree.SyncAsync([dataDirectory, .. ownTablespaceFolders, .. savedWal is null ? Array.Empty<string>() : [savedWal]],
                parents.Concat(tablespaceTargets.Values), syncQueue.IsSynced, options.EffectiveJobs, profile, cancellationToken).ConfigureAwait(false);
            // Last of all, once everything else is durable: without global/pg_control PostgreSQL refuses to start, so a
            // restore killed at any earlier point leaves a folder that cannot be mistaken for a restored cluster.
            if (manifest.Files.FirstOrDefault(f => f.Path == ControlFilePath) is { } control)
            {
                await InstallControlFileAsync(rebuilder, manifest.Id, control, dataDirectory, owner, cancellationToken).ConfigureAwait(false);
                written++;
                bytesWritten += control.Size;
            }
            stopwatch.Stop();
            if (profile.Enabled)
            {
                // Opt-in developer diagnostics (PGARK_PROFILE=1), through the logger: Core owns no console.
                var startUp = DateTime.Now - Process.GetCurrentProcess().StartTime - stopwatch.Elapsed - profile.Total(RestoreStage.Plan);
                Log.RestoreProfile(logger, profile.Format(
                    $"restore of backup {manifest.Id} (process start-up before the plan {startUp.TotalSeconds:0.000} s)", stopwatch.Elapsed,
                    options.EffectiveJobs));
            }
            return new RestoreResult(manifest.Id, dataDirectory, options.Target.ToString(), manifest.Files.Count, manifest.Size,
                Math.Round(stopwatch.Elapsed.TotalSeconds, 3), settings, written, bytesWritten, removed, delta, savedWal);
        }
        catch when (!delta)
        {
            created.RemoveAll(dataDirectory, logger);
            throw;
        }
    }

    private static void CheckEmptyTarget(string path, string what)
    {
        if (File.Exists(path))
        {
            throw new RefusedException($"unable to restore into '{path}': it is a file, not a directory");
        }
        if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
        {
            throw new RefusedException($"unable to restore into '{path}': {what} is not empty",
                "restore into an empty or new directory (stop the cluster and move its data directory aside first)");
        }
    }

    private async Task CheckWalPresentAsync(string server, BackupManifest manifest, CancellationToken cancellationToken)
    {
        var missing = await repository.MissingWalSegmentsAsync(server, manifest.RequiredWalSegments(), cancellationToken).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            throw new IntegrityException(
                $"backup {manifest.Id} cannot be made consistent: WAL segment {missing.Min} is missing from repository '{repository.Name}'");
        }
    }

    private static Dictionary<uint, string> MapTablespaces(BackupManifest manifest, IReadOnlyDictionary<string, string>? map, string dataDirectory)
    {
        var result = new Dictionary<uint, string>();
        var unused = new HashSet<string>(map?.Keys ?? [], StringComparer.Ordinal);
        foreach (var tablespace in manifest.Tablespaces)
        {
            var location = tablespace.Location;
            var oidKey = tablespace.Oid.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (map is not null)
            {
                foreach (var key in new[] { tablespace.Location, oidKey, tablespace.Name })
                {
                    if (map.TryGetValue(key, out var mapped))
                    {
                        location = mapped;
                        unused.Remove(key);
                        break;
                    }
                }
            }
            if (!Path.IsPathFullyQualified(location))
            {
                throw new UsageException($"tablespace '{tablespace.Name}' would be restored to '{location}', which is not an absolute path");
            }
            var full = Path.GetFullPath(location).TrimEnd('/');
            if (!ManifestPathValidator.IsSafeLocation(full) || full == dataDirectory || full.StartsWith(dataDirectory + "/", StringComparison.Ordinal)
                || dataDirectory.StartsWith(full + "/", StringComparison.Ordinal))
            {
                throw new UsageException($"tablespace '{tablespace.Name}' would be restored to '{full}', which is the data directory, inside it, or above it",
                    "map it elsewhere with --tablespace-map");
            }
            result[tablespace.Oid] = full;
        }
        foreach (var (oid, location) in result)
        {
            if (result.Any(other => other.Key != oid && (other.Value == location || location.StartsWith(other.Value + "/", StringComparison.Ordinal))))
            {
                throw new UsageException($"two tablespaces of backup {manifest.Id} would share the location '{location}'", "map each to its own folder");
            }
        }
        if (unused.Count > 0)
        {
            throw new UsageException($"--tablespace-map names '{unused.First()}', which is not a tablespace of backup {manifest.Id}",
                $"tablespaces in the backup: {string.Join(", ", manifest.Tablespaces.Select(t => $"{t.Name} ({t.Location})"))}");
        }
        return result;
    }

    /// <summary>
    /// Restoring as root: the files go to whoever owns the target folder (or its parent); when that is root too, to the
    /// postgres OS user, because PostgreSQL refuses a data directory it does not own and never runs as root.
    /// </summary>
    private static (uint Uid, uint Gid)? ChooseOwner(string dataDirectory)
    {
        if (!Libc.IsRoot)
        {
            return null;
        }
        var reference = Directory.Exists(dataDirectory) ? dataDirectory : Path.GetDirectoryName(dataDirectory)!;
        var owner = Libc.GetOwner(reference) ?? throw new IOException($"'{reference}' does not exist");
        if (owner.Uid != 0)
        {
            return owner;
        }
        try
        {
            return LocalCluster.PostgresUser();
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    private static void CreateLayout(BackupManifest manifest, string dataDirectory, Dictionary<uint, string> tablespaces, string? walDirectory,
        CreatedPaths created, bool delta)
    {
        const UnixFileMode folderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        if (!Directory.Exists(dataDirectory))
        {
            Directory.CreateDirectory(dataDirectory, folderMode);
        }
        File.SetUnixFileMode(dataDirectory, folderMode);
        foreach (var (oid, location) in tablespaces)
        {
            if (!Directory.Exists(location))
            {
                Directory.CreateDirectory(location, folderMode);
                created.Tablespaces.Add(location);
            }
            else
            {
                created.TablespaceContents.Add(location);
            }
        }
        foreach (var directory in manifest.Directories.OrderBy(d => d.Path, StringComparer.Ordinal))
        {
            var full = Path.Combine(dataDirectory, directory.Path);
            var parts = directory.Path.Split('/');
            if (parts.Length == 2 && parts[0] == "pg_tblspc" && uint.TryParse(parts[1], out var oid) && tablespaces.TryGetValue(oid, out var location))
            {
                var existing = new FileInfo(full);
                if (delta && existing.LinkTarget == location)
                {
                    continue;
                }
                if (delta && (existing.Exists || existing.LinkTarget is not null || Directory.Exists(full)))
                {
                    if (existing.LinkTarget is null && Directory.Exists(full))
                    {
                        Directory.Delete(full, recursive: true);
                    }
                    else
                    {
                        existing.Delete();
                    }
                }
                File.CreateSymbolicLink(full, location);
                continue;
            }
            if (directory.Path == "pg_wal" && walDirectory is not null)
            {
                if (!Directory.Exists(walDirectory))
                {
                    Directory.CreateDirectory(walDirectory, folderMode);
                    created.Tablespaces.Add(walDirectory);
                }
                if (!IsLinkTo(full, walDirectory))
                {
                    if (Path.Exists(full) || new FileInfo(full).LinkTarget is not null)
                    {
                        DeleteEntry(full); // delta: un-archived WAL in it was moved aside already
                    }
                    File.CreateSymbolicLink(full, walDirectory);
                }
                continue;
            }
            var present = new FileInfo(full);
            // A link where the backup has a folder would make the restore write wherever it points. pg_wal alone may be a
            // link (initdb --waldir): the data directory was proven this cluster's, and it is its WAL location.
            if (delta && (present.Exists || (present.LinkTarget is not null && !(directory.Path == "pg_wal" && Directory.Exists(full)))))
            {
                present.Delete();
            }
            Directory.CreateDirectory(full, (UnixFileMode)(directory.Mode & 0x1FF) | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    // Small files restored at once from a local repository (next to the jobs restoring the large ones).
    private const int LocalSmallFileWorkers = 4;

    // Files from this size on are preallocated.
    private const long PreallocateFrom = 8 * 1024 * 1024;

    // Files below this size are restored with the storage's preferred request concurrency rather than the job count.
    private const long SmallFileLimit = 1024 * 1024;

    // Written files whose fsync is still to come, at most (each holds its descriptor open until then).
    private const int SyncQueueCapacity = 64;

    private const string ControlFilePath = "global/pg_control";

    // Where pg_control is written before it is renamed into place (a leftover is removed by the next delta restore).
    private const string ControlFileRestoring = "global/pg_control.pgark-restoring";

    private static void RemoveControlFile(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, ControlFilePath);
        if (File.Exists(path))
        {
            File.Delete(path);
            Libc.SyncFolder(Path.GetDirectoryName(path)!);
        }
    }

    private async Task InstallControlFileAsync(FileRebuilder rebuilder, string backupId, ManifestFile control, string dataDirectory,
        (uint Uid, uint Gid)? owner, CancellationToken cancellationToken)
    {
        var restoring = Path.Combine(dataDirectory, ControlFileRestoring);
        var final = Path.Combine(dataDirectory, ControlFilePath);
        var mode = (UnixFileMode)(control.Mode & 0x1FF) | UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var handle = Libc.CreateForWrite(restoring, (uint)mode, replace: true))
        {
            await rebuilder.WriteAsync(backupId, control, handle, static _ => { }, cancellationToken).ConfigureAwait(false);
            File.SetUnixFileMode(handle, mode);
            if (owner is { } o)
            {
                Libc.ChangeOwner(handle, restoring, o.Uid, o.Gid);
            }
            File.SetLastWriteTimeUtc(handle, DateTimeOffset.FromUnixTimeSeconds(control.ModifiedAt).UtcDateTime);
            Libc.SyncFile(handle, restoring);
            if (RandomAccess.GetLength(handle) != control.Size)
            {
                throw new IntegrityException($"restored file '{final}' is {RandomAccess.GetLength(handle)} bytes on disk after its fsync, expected {control.Size}");
            }
        }
        File.Move(restoring, final, overwrite: true);
        Libc.SyncFolder(Path.GetDirectoryName(final)!);
    }

    private async Task<(int Files, long Bytes)> RestoreFilesAsync(FileRebuilder rebuilder, BackupManifest manifest, string dataDirectory, int jobs,
        bool delta, (uint Uid, uint Gid)? owner, FileSyncQueue syncQueue, StageProfile profile, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var total = manifest.Size;
        long done = 0;
        long rewrittenBytes = 0;
        var rewritten = 0;
        var filesDone = 0;
        // pg_control is installed last, by the caller; PG_VERSION first, so a restore killed midway leaves a folder a
        // delta restore recognises as a data directory and can finish.
        var files = manifest.Files.Where(f => f.Path != ControlFilePath).OrderByDescending(f => f.Size).ToList();
        var version = files.FirstOrDefault(f => f.Path == "PG_VERSION");
        void Report(long n)
        {
            var d = Interlocked.Add(ref done, n);
            progress?.Report(new OperationProgress(delta ? "delta restore" : "restore", d, total, Volatile.Read(ref filesDone), files.Count));
        }
        async ValueTask RestoreFileAsync(ManifestFile file, CancellationToken ct)
        {
            var target = Path.Combine(dataDirectory, file.Path);
            var mode = (UnixFileMode)(file.Mode & 0x1FF) | UnixFileMode.UserRead | UnixFileMode.UserWrite;
            var modifiedAt = DateTimeOffset.FromUnixTimeSeconds(file.ModifiedAt).UtcDateTime;
            var start = profile.Start();
            if (delta && await MatchesAsync(target, file, ct).ConfigureAwait(false))
            {
                File.SetLastWriteTimeUtc(target, modifiedAt);
                profile.Add(RestoreStage.DeltaCompare, start);
                Report(file.Size);
            }
            else
            {
                if (delta && (new FileInfo(target).LinkTarget is not null || Directory.Exists(target)))
                {
                    // A link (never followed when the file is opened) or a folder in the file's place goes first.
                    DeleteEntry(target);
                }
                profile.Add(RestoreStage.DeltaCompare, start);
                start = profile.Start();
                var handle = Libc.CreateForWrite(target, (uint)mode, replace: delta);
                try
                {
                    if (file.Delta is null && file.Size >= PreallocateFrom)
                    {
                        // Large files get their blocks reserved up front (one extent, ENOSPC before the write); small ones
                        // are allocated contiguously at write-back anyway, and the extra call per file is what costs.
                        Libc.Preallocate(handle, target, file.Size);
                    }
                    profile.Add(RestoreStage.Open, start);
                    await rebuilder.WriteAsync(manifest.Id, file, handle, Report, ct).ConfigureAwait(false);
                    start = profile.Start();
                    // Through the open descriptor: no further path lookups per file, and all of it before the fsync that
                    // makes it durable. The time last, as writing sets it.
                    File.SetUnixFileMode(handle, mode);
                    if (owner is { } o)
                    {
                        Libc.ChangeOwner(handle, target, o.Uid, o.Gid);
                    }
                    File.SetLastWriteTimeUtc(handle, modifiedAt);
                    profile.Add(RestoreStage.FileMetadata, start);
                }
                catch
                {
                    handle.Dispose();
                    throw;
                }
                // The queue fsyncs through this descriptor, checks the size on disk, and closes it.
                await syncQueue.AddAsync(handle, target, file.Size, ct).ConfigureAwait(false);
                Interlocked.Increment(ref rewritten);
                Interlocked.Add(ref rewrittenBytes, file.Size);
            }
            Interlocked.Increment(ref filesDone);
        }

        // A small file costs almost no CPU but waits: a round trip on an object store, the file system's journal for its
        // creation on a local disk (the profile shows about as much time in creating the ~1,000 small files of a cluster
        // as in writing its largest). The jobs work through the large files while up to `requests` (at least
        // LocalSmallFileWorkers) small ones are restored at once next to them. The first failure stops both.
        var requests = Math.Max(repository.Storage.PreferredIoConcurrency, LocalSmallFileWorkers);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        async Task RestoreAsync(IEnumerable<ManifestFile> part, int width)
        {
            try
            {
                await Parallel.ForEachAsync(part, new ParallelOptions { MaxDegreeOfParallelism = width, CancellationToken = stop.Token }, RestoreFileAsync)
                    .ConfigureAwait(false);
            }
            catch
            {
                await stop.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }
        if (version is not null)
        {
            await RestoreFileAsync(version, cancellationToken).ConfigureAwait(false);
            files.Remove(version);
        }
        var large = RestoreAsync(files.Where(f => f.Size >= SmallFileLimit), jobs);
        var small = RestoreAsync(files.Where(f => f.Size < SmallFileLimit), Math.Max(jobs, requests));
        // A side cancelled by the other's failure ends Canceled, not Faulted, so the failure is what this rethrows.
        await Task.WhenAll(large, small).ConfigureAwait(false);
        return (rewritten, rewrittenBytes);
    }

    /// <summary>Delta restore: a file is kept only when its size and SHA-256 equal the backup's.</summary>
    private static async Task<bool> MatchesAsync(string path, ManifestFile file, CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.LinkTarget is not null || info.Length != file.Size)
        {
            return false;
        }
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var (_, sha) = await FileRebuilder.HashAsync(handle, cancellationToken).ConfigureAwait(false);
        return sha == file.Sha256;
    }

    /// <summary>
    /// Where pg_wal points in the restored cluster, or null for a plain folder: <c>--waldir</c> when given; otherwise the
    /// link the backup recorded (initdb --waldir), when the caller allows it and that folder is free (absent or empty, or
    /// already this data directory's link in a delta restore). A recorded folder another cluster still uses is left
    /// alone: pg_wal becomes a plain folder and the log says how to get the link back.
    /// </summary>
    private string? WalDirectoryOf(RestoreOptions options, BackupManifest manifest, string dataDirectory, IEnumerable<string> tablespaceLocations,
        bool delta)
    {
        if (options.WalDirectory is not null)
        {
            return CheckedWalDirectory(options.WalDirectory, "--waldir", dataDirectory, tablespaceLocations);
        }
        if (manifest.WalLink is not { } recorded)
        {
            return null;
        }
        if (!options.RecreateWalLink)
        {
            logger.LogInformation("pg_wal was a link to {Location} in the backup; restored as a folder in the data directory", recorded);
            return null;
        }
        var location = CheckedWalDirectory(recorded, "the recorded pg_wal link", dataDirectory, tablespaceLocations);
        var free = !Directory.Exists(location) || !Directory.EnumerateFileSystemEntries(location).Any()
            || (delta && IsLinkTo(Path.Combine(dataDirectory, "pg_wal"), location));
        if (!free)
        {
            logger.LogWarning("pg_wal was a link to {Location} in the backup, but that folder is in use; pg_wal is restored as a folder in " +
                "the data directory (restore with --waldir to link it elsewhere)", location);
            return null;
        }
        logger.LogInformation("recreating pg_wal as a link to {Location}, as recorded in backup {Id}", location, manifest.Id);
        return location;
    }

    /// <summary>A WAL folder, checked: absolute, normalised, and neither the data directory, inside it, nor a tablespace location.</summary>
    private static string CheckedWalDirectory(string given, string source, string dataDirectory, IEnumerable<string> tablespaceLocations)
    {
        var full = Path.IsPathFullyQualified(given) ? Path.GetFullPath(given).TrimEnd('/') : "";
        if (full.Length == 0 || !ManifestPathValidator.IsSafeLocation(full) || full == dataDirectory
            || full.StartsWith(dataDirectory + "/", StringComparison.Ordinal) || dataDirectory.StartsWith(full + "/", StringComparison.Ordinal)
            || tablespaceLocations.Contains(full))
        {
            throw new UsageException($"{source} '{given}' must be an absolute path outside the data directory and the tablespaces");
        }
        return full;
    }

    private static bool IsLinkTo(string link, string target) =>
        new FileInfo(link).LinkTarget is { } to && Path.GetFullPath(to, Path.GetDirectoryName(link)!) == target;

    private static void DeleteEntry(string path)
    {
        var entry = new FileInfo(path);
        if (entry.LinkTarget is null && Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else
        {
            entry.Delete();
        }
    }

    /// <summary>Delta restore: removes what the backup does not have (WAL, stale files, dropped relations). Returns how many entries.</summary>
    private static int RemoveExtraneous(BackupManifest manifest, string dataDirectory, Dictionary<uint, string> tablespaces)
    {
        var keepFiles = manifest.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        var keepFolders = manifest.Directories.Select(d => d.Path).ToHashSet(StringComparer.Ordinal);
        var tablespaceLinks = tablespaces.Keys.ToDictionary(oid => $"pg_tblspc/{oid}", oid => ManifestPathValidator.OwnTablespaceFolder(manifest, oid),
            StringComparer.Ordinal);
        var removed = 0;
        Walk(dataDirectory, "");
        return removed;

        void Walk(string folder, string relative)
        {
            foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
            {
                var path = relative.Length == 0 ? entry.Name : $"{relative}/{entry.Name}";
                if (tablespaceLinks.TryGetValue(path, out var ownFolder))
                {
                    // The location is shared with other clusters: look only inside this server's own version folder.
                    var own = new DirectoryInfo(Path.Combine(entry.FullName, ownFolder ?? ""));
                    if (ownFolder is not null && own.Exists && own.LinkTarget is null)
                    {
                        Walk(own.FullName, $"{path}/{ownFolder}");
                    }
                    continue;
                }
                // A pg_wal link (initdb --waldir) is kept, as CreateLayout kept it; its content is handled like a folder's.
                if (entry is DirectoryInfo directory && (entry.LinkTarget is null || (path == "pg_wal" && Directory.Exists(entry.FullName))))
                {
                    if (keepFolders.Contains(path))
                    {
                        Walk(directory.FullName, path);
                    }
                    else
                    {
                        directory.Delete(recursive: true);
                        removed++;
                    }
                }
                else if (!keepFiles.Contains(path))
                {
                    entry.Delete();
                    removed++;
                }
            }
        }
    }

    /// <param name="done">Files already given their owner through their descriptor (before their fsync).</param>
    private static void ChownTree(string root, (uint Uid, uint Gid) owner, Func<string, bool> done)
    {
        Libc.ChangeOwner(root, owner.Uid, owner.Gid);
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", new EnumerationOptions
                 { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false }))
        {
            if (entry is FileInfo && done(entry.FullName))
            {
                continue;
            }
            Libc.ChangeOwner(entry.FullName, owner.Uid, owner.Gid);
        }
    }

    /// <summary>What a restore created, so a failed restore can take it all back.</summary>
    private sealed class CreatedPaths(bool dataDirectoryExisted)
    {
        public List<string> Tablespaces { get; } = [];
        public List<string> TablespaceContents { get; } = [];

        public void RemoveAll(string dataDirectory, ILogger logger)
        {
            try
            {
                if (Directory.Exists(dataDirectory))
                {
                    if (dataDirectoryExisted)
                    {
                        EmptyFolder(dataDirectory);
                    }
                    else
                    {
                        Directory.Delete(dataDirectory, recursive: true);
                    }
                }
                foreach (var folder in Tablespaces.Where(Directory.Exists))
                {
                    Directory.Delete(folder, recursive: true);
                }
                foreach (var folder in TablespaceContents.Where(Directory.Exists))
                {
                    EmptyFolder(folder);
                }
            }
            catch (IOException ex)
            {
                logger.LogWarning(ex, "could not remove the partly restored files in {DataDirectory}", dataDirectory);
            }
        }

        private static void EmptyFolder(string folder)
        {
            foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo d && d.LinkTarget is null)
                {
                    d.Delete(recursive: true);
                }
                else
                {
                    entry.Delete();
                }
            }
        }
    }
}
