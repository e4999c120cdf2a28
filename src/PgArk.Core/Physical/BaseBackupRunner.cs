using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using PgArk.Core.Catalog;
using PgArk.Core.Codecs;
using PgArk.Core.Common;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;
using PgArk.Core.Storage;
using PgArk.Core.Wal;

namespace PgArk.Core.Physical;

/// <summary>Which server to back up and where its lock lives.</summary>
internal sealed record BackupTarget(string Server, string ConnectionString, string ConfiguredDataDirectory, string LockFolder);

/// <summary>
/// Takes a physical base backup: pg_backup_start → parallel copy of every file with checksums → pg_backup_stop → wait
/// for the WAL the backup needs → manifest. The manifest is written last, so a backup interrupted at any point is never
/// listed; its folder is removed by the next backup.
/// </summary>
internal sealed class BaseBackupRunner(Repository repository, ILogger logger)
{
    public async Task<BackupResult> RunAsync(BackupTarget target, BackupOptions options, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = target.Server;
        var lockHandle = await ServerLock.AcquireAsync(target.LockFolder, server, "backup", cancellationToken).ConfigureAwait(false);
        await using (lockHandle.ConfigureAwait(false))
        {
            if (lockHandle.TookOverStaleLock)
            {
                logger.LogWarning("took over the backup lock of server '{Server}' left by dead process {Pid}", server, lockHandle.PreviousHolderPid);
            }
            var record = await repository.RequireServerRecordAsync(server, cancellationToken).ConfigureAwait(false);
            var removed = await RemoveIncompleteBackupsAsync(server, cancellationToken).ConfigureAwait(false);

            var session = await PostgresSession.OpenAsync(server, target.ConnectionString, cancellationToken).ConfigureAwait(false);

            await using var sessionScope = session.ConfigureAwait(false);
            var facts = await session.GetClusterFactsAsync(cancellationToken).ConfigureAwait(false);
            CheckClusterMatches(target, record, facts);

            var existing = await repository.ListBackupsAsync(server, cancellationToken).ConfigureAwait(false);
            var plan = BackupPlanner.Plan(options.Type, existing, facts.SystemIdentifier, facts.Timeline,
                await session.CurrentLsnAsync(cancellationToken).ConfigureAwait(false));
            if (plan.FallbackReason is not null)
            {
                logger.LogWarning("{Reason}", plan.FallbackReason);
            }
            var startTime = DateTimeOffset.UtcNow;
            var id = await NewBackupIdAsync(server, startTime, plan.Type, cancellationToken).ConfigureAwait(false);
            var stopwatch = Stopwatch.StartNew();
            logger.LogInformation("backup {Id} of server '{Server}' starting ({Jobs} jobs, {Compression})", id, server, options.EffectiveJobs,
                repository.Compression.ToString().ToLowerInvariant());

            progress?.Report(new OperationProgress("checkpoint", 0, 0));
            var label = $"pgark {id}" + (options.Label is null ? "" : $" {options.Label}");
            var startLsn = await session.BackupStartAsync(label, options.FastCheckpoint, cancellationToken).ConfigureAwait(false);
            var started = true;
            var phase = Stopwatch.StartNew();
            logger.LogInformation("backup start (checkpoint) done in {Seconds:0.00} s at LSN {Lsn}", stopwatch.Elapsed.TotalSeconds, startLsn);
            try
            {
                var tablespaces = await session.GetTablespacesAsync(cancellationToken).ConfigureAwait(false);
                var content = DataDirectoryScanner.Scan(facts.DataDirectory, tablespaces, facts.VersionNum);
                var copy = await CopyFilesAsync(server, id, content, facts.DataChecksums ? new PageVerification(startLsn) : null,
                    plan.Parent, facts.DataChecksums || facts.WalLogHints, options, progress, cancellationToken).ConfigureAwait(false);

                logger.LogInformation("copied {Files} files ({Bytes} bytes) in {Seconds:0.00} s", copy.Files.Count, copy.Bytes, phase.Elapsed.TotalSeconds);
                phase.Restart();
                progress?.Report(new OperationProgress("stop", copy.Bytes, copy.Bytes));
                var stop = await session.BackupStopAsync(waitForArchive: false, cancellationToken).ConfigureAwait(false);
                started = false;
                // Read after the stop: every xid below it may have committed before the backup is consistent, so only an
                // xid at or above it is a target this backup can reach (RestorePlanner.EndsBefore). Read before, an xid
                // assigned in between would wrongly count as reachable.
                var nextXid = await session.NextXidAsync(cancellationToken).ConfigureAwait(false);
                var backupLabel = BackupLabel.Parse(stop.LabelFile);
                var labelFile = await StoreTextFileAsync(server, id, "backup_label", stop.LabelFile, cancellationToken).ConfigureAwait(false);

                var startSegment = backupLabel.StartLsn.SegmentNumber(facts.WalSegmentSize);
                var stopSegment = new Lsn(stop.StopLsn.Value - 1).SegmentNumber(facts.WalSegmentSize);
                var segments = WalFileName.SegmentRange(backupLabel.StartTimeline, startSegment, stopSegment, facts.WalSegmentSize);
                progress?.Report(new OperationProgress("wal", copy.Bytes, copy.Bytes));
                await WalArchiveWaiter.WaitForSegmentsAsync(repository, server, segments, options.EffectiveArchiveTimeout, cancellationToken)
                    .ConfigureAwait(false);
                logger.LogInformation("backup stop and WAL {First}..{Last} archived in {Seconds:0.00} s", segments[0], segments[^1], phase.Elapsed.TotalSeconds);
                phase.Restart();

                // Bulk writes skipped their fsyncs: make all of them durable before the manifest makes them reachable.
                await repository.Storage.SyncAllAsync(cancellationToken).ConfigureAwait(false);
                logger.LogInformation("repository synced in {Seconds:0.00} s", phase.Elapsed.TotalSeconds);
                var files = copy.Files.Append(labelFile).OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
                stopwatch.Stop();
                var manifest = new BackupManifest
                {
                    Id = id.Value,
                    Type = plan.Type,
                    Parent = plan.Parent?.Id,
                    Server = server,
                    Label = options.Label,
                    StartTime = startTime,
                    StopTime = DateTimeOffset.UtcNow,
                    StartLsn = backupLabel.StartLsn.ToString(),
                    StopLsn = stop.StopLsn.ToString(),
                    Timeline = backupLabel.StartTimeline,
                    StartWal = segments[0],
                    StopWal = segments[^1],
                    StopNextXid = nextXid,
                    SystemIdentifier = facts.SystemIdentifier,
                    PgVersionNum = facts.VersionNum,
                    WalSegmentSize = facts.WalSegmentSize,
                    DataChecksums = facts.DataChecksums,
                    WalLogHints = facts.WalLogHints,
                    Compression = repository.Compression.ToString().ToLowerInvariant(),
                    CompressionLevel = repository.CompressionLevel,
                    Size = files.Sum(f => f.Size),
                    StoredSize = files.Sum(f => f.StoredSize),
                    DurationSeconds = Math.Round(stopwatch.Elapsed.TotalSeconds, 3),
                    Tablespaces = tablespaces.Select(t => new ManifestTablespace(t.Oid, t.Name, t.Location)).ToList(),
                    WalLink = content.WalLink,
                    Directories = content.Directories.Select(d => new ManifestDirectory(d.RelativePath, d.Mode)).ToList(),
                    Files = files,
                    PageChecksumErrors = copy.PageErrors,
                };
                await repository.WriteJsonAsync(RepositoryLayout.ManifestPath(server, id), manifest, cancellationToken).ConfigureAwait(false);
                foreach (var error in copy.PageErrors)
                {
                    logger.LogWarning("invalid page checksum in {Path} block {Block}: expected {Expected:X4}, found {Found:X4}",
                        error.Path, error.Block, error.Expected, error.Found);
                }
                logger.LogInformation("backup {Id} complete: {Files} files, {Size} bytes, stop LSN {StopLsn}", id, files.Count, manifest.Size, manifest.StopLsn);
                return new BackupResult(manifest, copy.Files.Count - copy.Referenced - copy.Deltas, copy.Vanished, lockHandle.TookOverStaleLock, removed,
                    copy.Referenced, copy.Deltas, plan.FallbackReason);
            }
            finally
            {
                if (started)
                {
                    // Ending the session would abort the backup too; stopping explicitly keeps the server log clean.
                    try
                    {
                        await session.BackupStopAsync(waitForArchive: false, CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (PgArkException ex)
                    {
                        logger.LogDebug(ex, "could not stop the aborted backup cleanly");
                    }
                }
            }
        }
    }

    private static void CheckClusterMatches(BackupTarget target, ServerRecord record, ClusterFacts facts)
    {
        if (facts.SystemIdentifier != record.SystemIdentifier)
        {
            throw new IntegrityException(
                $"server '{target.Server}' has system identifier {facts.SystemIdentifier}, but the repository holds backups of {record.SystemIdentifier}",
                "the connection points to a different cluster than the one initialised; fix 'connection' or use another server name");
        }
        if (facts.InRecovery)
        {
            throw new RefusedException($"server '{target.Server}' is in recovery; backups from a standby are not supported yet");
        }
        if (!SamePath(facts.DataDirectory, target.ConfiguredDataDirectory))
        {
            throw new ConfigurationException(
                $"server '{target.Server}': pgdata '{target.ConfiguredDataDirectory}' does not match the server's data_directory '{facts.DataDirectory}'");
        }
        if (!Directory.Exists(facts.DataDirectory))
        {
            throw new RefusedException($"data directory '{facts.DataDirectory}' of server '{target.Server}' is not readable from this host",
                "run the backup on the database host");
        }
    }

    private static bool SamePath(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)), StringComparison.Ordinal)
        || string.Equals(ResolveLinks(a), ResolveLinks(b), StringComparison.Ordinal);

    private static string ResolveLinks(string path)
    {
        var info = new DirectoryInfo(path);
        return Path.TrimEndingDirectorySeparator(info.ResolveLinkTarget(true)?.FullName ?? info.FullName);
    }

    private async Task<List<string>> RemoveIncompleteBackupsAsync(string server, CancellationToken cancellationToken)
    {
        var removed = new List<string>();
        foreach (var id in await repository.ListIncompleteBackupsAsync(server, cancellationToken).ConfigureAwait(false))
        {
            logger.LogWarning("removing incomplete backup {Id} of server '{Server}' (interrupted earlier)", id, server);
            await repository.Storage.DeleteFolderAsync(RepositoryLayout.BackupFolder(server, id), cancellationToken).ConfigureAwait(false);
            removed.Add(id.Value);
        }
        return removed;
    }

    private async Task<BackupId> NewBackupIdAsync(string server, DateTimeOffset startTime, BackupType type, CancellationToken cancellationToken)
    {
        // Ids have one-second resolution; two backups within a second would collide, so wait for the next second.
        var existing = (await repository.Storage.ListFoldersAsync(RepositoryLayout.BackupsFolder(server), cancellationToken).ConfigureAwait(false))
            .ToHashSet(StringComparer.Ordinal);
        var id = BackupId.Create(startTime, type);
        while (existing.Contains(id.Value))
        {
            await Task.Delay(1000 - DateTimeOffset.UtcNow.Millisecond, cancellationToken).ConfigureAwait(false);
            id = BackupId.Create(DateTimeOffset.UtcNow, type);
        }
        return id;
    }

    private sealed record CopyOutcome(List<ManifestFile> Files, int Vanished, long Bytes, List<PageChecksumError> PageErrors, int Referenced, int Deltas);

    private async Task<CopyOutcome> CopyFilesAsync(string server, BackupId id, DataDirectoryContent content, PageVerification? verification,
        BackupManifest? parent, bool hintBitsWalLogged, BackupOptions options, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var changes = new ChangeDetection(parent, hintBitsWalLogged, options.ChecksumAll, DateTimeOffset.UtcNow);
        changes.Explain(logger, content.Files);
        var totalBytes = content.Files.Sum(f => f.Size);
        long doneBytes = 0;
        var doneFiles = 0;
        var results = new ConcurrentBag<(BackupFileResult Result, ManifestFile? Entry)>();
        var bytesRead = progress is null ? null : new SynchronousProgress<long>(n =>
        {
            var done = Interlocked.Add(ref doneBytes, n);
            progress.Report(new OperationProgress("copy", done, totalBytes, Volatile.Read(ref doneFiles), content.Files.Count));
        });
        var parentFiles = parent?.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        // Largest files first, so one big relation segment does not finish alone at the end.
        var ordered = content.Files.OrderByDescending(f => f.Size).ToList();
        // Jobs bound the CPU work (read, verify, hash, compress); the storage's completions (S3 PUTs) run behind them,
        // so a worker does not sit idle through each object's round trip.
        var writes = new WriteCompletionQueue(repository.Storage.PreferredIoConcurrency, cancellationToken);
        await using (writes.ConfigureAwait(false))
        {
            try
            {
                await Parallel.ForEachAsync(ordered, new ParallelOptions { MaxDegreeOfParallelism = options.EffectiveJobs, CancellationToken = writes.Token },
                    async (file, ct) =>
                    {
                        var parentEntry = parentFiles?.GetValueOrDefault(file.RelativePath);
                        results.Add(await CopyFileAsync(server, id, file, parent, parentEntry, verification, changes, bytesRead, writes, ct)
                            .ConfigureAwait(false));
                        Interlocked.Increment(ref doneFiles);
                    }).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or PgArkException && !cancellationToken.IsCancellationRequested)
            {
                // Workers stopped (or tripped over the aborted writes) because a background write failed: report that
                // failure, which names the object, rather than its consequence.
                writes.ThrowIfFailed();
                throw;
            }
            // Every file must be stored before the caller goes on to the manifest.
            await writes.DrainAsync().ConfigureAwait(false);
        }

        var files = new List<ManifestFile>();
        var vanished = 0;
        var pageErrors = new List<PageChecksumError>();
        foreach (var (result, entry) in results)
        {
            if (result.Vanished)
            {
                vanished++;
                logger.LogDebug("{Path} vanished during the backup; skipped", result.Source.RelativePath);
                continue;
            }
            files.Add(entry!);
            pageErrors.AddRange(result.PageErrors);
        }
        pageErrors.Sort((a, b) => a.Path == b.Path ? a.Block.CompareTo(b.Block) : string.CompareOrdinal(a.Path, b.Path));
        return new CopyOutcome(files, vanished, files.Sum(f => f.Size), pageErrors,
            files.Count(f => f.Reference is not null || (f.Size == 0 && parentFiles?.ContainsKey(f.Path) == true)), files.Count(f => f.Delta is not null && f.Reference is null));
    }

    /// <summary>
    /// One file of a backup: referenced when unchanged since the parent (<see cref="ChangeDetection.TrustsTimestamps"/>),
    /// stored as a page delta when it is a changed main-fork relation file whose changed pages can be told apart
    /// (<see cref="ChangeDetection.PageSelectionFor"/>), copied whole otherwise. A stored copy whose content turns out
    /// identical to the parent's is dropped in favour of a reference.
    /// </summary>
    private async Task<(BackupFileResult, ManifestFile?)> CopyFileAsync(string server, BackupId id, SourceFile file, BackupManifest? parent,
        ManifestFile? parentEntry, PageVerification? verification, ChangeDetection changes, IProgress<long>? bytesRead,
        WriteCompletionQueue writes, CancellationToken cancellationToken)
    {
        if (file.RelativePath != ControlFilePath)
        {
            return await CopyFileCoreAsync(server, id, file, parent, parentEntry, verification, changes, bytesRead, writes, cancellationToken)
                .ConfigureAwait(false);
        }
        // A checkpoint during the backup rewrites pg_control in place: copy a snapshot whose CRC is valid, never a torn read.
        (byte[] content, _) = await ControlFile.ReadValidCopyAsync(file.FullPath, ControlFileReadTimeout, cancellationToken).ConfigureAwait(false);
        var snapshot = Path.Combine(Path.GetTempPath(), $"pgark-{Environment.ProcessId}-{Guid.NewGuid():N}.pg_control");
        await File.WriteAllBytesAsync(snapshot, content, cancellationToken).ConfigureAwait(false);
        try
        {
            return await CopyFileCoreAsync(server, id, file with { FullPath = snapshot, Size = content.Length }, parent, parentEntry, verification,
                changes, bytesRead, writes, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(snapshot);
        }
    }

    private const string ControlFilePath = "global/pg_control";
    private static readonly TimeSpan ControlFileReadTimeout = TimeSpan.FromSeconds(10);

    private async Task<(BackupFileResult, ManifestFile?)> CopyFileCoreAsync(string server, BackupId id, SourceFile file, BackupManifest? parent,
        ManifestFile? parentEntry, PageVerification? verification, ChangeDetection changes, IProgress<long>? bytesRead,
        WriteCompletionQueue writes, CancellationToken cancellationToken)
    {
        var withBlockMap = changes.RecordsBlockMap(file);
        if (parent is not null && parentEntry is not null && changes.TrustsTimestamps(file) && UnchangedSince(parent, parentEntry, file))
        {
            bytesRead?.Report(file.Size);
            return (new BackupFileResult(file, false, file.Size, parentEntry.Sha256, 0, []), ReferenceTo(parent, parentEntry, file, null));
        }
        if (parent is not null && parentEntry is { Size: > 0 } && changes.PageSelectionFor(file, parentEntry) is { } selection)
        {
            var deltaPath = RepositoryLayout.BackupDeltaPath(server, id, file.RelativePath, repository.Extension);
            var delta = await BackupFileJob.RunDeltaAsync(file, deltaPath, repository, verification, selection,
                new ParentCopy(parentEntry.Size, parentEntry.Sha256), bytesRead, writes, withBlockMap, cancellationToken)
                .ConfigureAwait(false);
            var result = delta.File;
            if (result.Vanished)
            {
                return (result, null);
            }
            if (result.Size == parentEntry.Size && result.Sha256 == parentEntry.Sha256)
            {
                // The job discarded the delta instead of storing it.
                return (result, ReferenceTo(parent, parentEntry, file, result.BlockMap));
            }
            return (result, new ManifestFile
            {
                Path = file.RelativePath, Size = result.Size, ModifiedAt = file.ModifiedAt, Mode = file.Mode, Sha256 = result.Sha256,
                StoredSize = result.StoredSize, Delta = new ManifestDelta(parent.Id, delta.Pages, delta.DeltaSha256),
                BlockMap = result.BlockMap,
            });
        }
        var stored = RepositoryLayout.BackupFilePath(server, id, file.RelativePath, repository.Extension);
        var parentCopy = parent is not null && parentEntry is not null ? new ParentCopy(parentEntry.Size, parentEntry.Sha256) : (ParentCopy?)null;
        var copy = await BackupFileJob.RunAsync(file, stored, repository, verification, bytesRead, writes, parentCopy, cancellationToken,
            withBlockMap).ConfigureAwait(false);
        if (copy.Vanished)
        {
            return (copy, null);
        }
        if (parent is not null && parentEntry is not null && copy.Size == parentEntry.Size && copy.Sha256 == parentEntry.Sha256)
        {
            // The job discarded the identical copy instead of storing it.
            return (copy, ReferenceTo(parent, parentEntry, file, copy.BlockMap));
        }
        return (copy, new ManifestFile
        {
            Path = file.RelativePath, Size = copy.Size, ModifiedAt = file.ModifiedAt, Mode = file.Mode, Sha256 = copy.Sha256, StoredSize = copy.StoredSize,
            BlockMap = copy.BlockMap,
        });
    }

    /// <summary>
    /// Same size and modification time as in the parent, and that time at least a second before the parent started:
    /// a write in the second the parent read the file could otherwise leave the same mtime on new content.
    /// </summary>
    internal static bool UnchangedSince(BackupManifest parent, ManifestFile parentEntry, SourceFile file) =>
        parentEntry.Size == file.Size
        && parentEntry.ModifiedAt == file.ModifiedAt
        && file.ModifiedAt < parent.StartTime.ToUnixTimeSeconds() - 1;

    /// <summary>
    /// An entry that points at the parent's stored object (or wherever the parent's entry points). The content is the
    /// parent's, so its block map is too; <paramref name="blockMap"/> (computed from the same content) fills it in when
    /// the parent had none.
    /// </summary>
    private static ManifestFile ReferenceTo(BackupManifest parent, ManifestFile parentEntry, SourceFile file, string? blockMap) =>
        parentEntry with
    {
        Reference = parentEntry.IsStoredHere ? parent.Id : parentEntry.Reference,
        ModifiedAt = file.ModifiedAt,
        Mode = file.Mode,
        StoredSize = 0,
        BlockMap = parentEntry.BlockMap ?? blockMap,
    };

    private async Task<ManifestFile> StoreTextFileAsync(string server, BackupId id, string relativePath, string text, CancellationToken cancellationToken)
    {
        var temp = Path.Combine(Path.GetTempPath(), $"pgark-{Environment.ProcessId}-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(temp, text, cancellationToken).ConfigureAwait(false);
        try
        {
            var info = new FileInfo(temp);
            var source = new SourceFile(relativePath, temp, info.Length, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 0x180, null);
            var stored = RepositoryLayout.BackupFilePath(server, id, relativePath, repository.Extension);
            var result = await BackupFileJob.RunAsync(source, stored, repository, null, null, null, null, cancellationToken).ConfigureAwait(false);
            return new ManifestFile
            {
                Path = relativePath, Size = result.Size, ModifiedAt = source.ModifiedAt, Mode = 0x180, Sha256 = result.Sha256, StoredSize = result.StoredSize,
            };
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
