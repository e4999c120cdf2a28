using System.Collections.Concurrent;

namespace PgArk.Core.Catalog;

/// <summary>
/// Parsed manifest headers, remembered per manifest file and its (size, modification time). Every listing still lists
/// the backup folders and stats every manifest, so the answer always reflects the repository as it is now — a backup
/// or expire by another process, or a crash that left a folder without a manifest, shows up at the next listing — and
/// only a manifest whose size or time changed is read again. Nothing is stored, so nothing can go stale on disk.
/// Manifests are written once, atomically (temp file, rename), so a new manifest always has a new modification time.
/// </summary>
internal static class BackupHeaderCache
{
    private sealed record Entry(long Size, DateTimeOffset ModifiedAt, Lazy<Task<BackupHeader?>> Header);

    // Keyed by storage location + manifest path; concurrent first listings share one read per manifest.
    private static readonly ConcurrentDictionary<string, Entry> s_entries = new(StringComparer.Ordinal);

    /// <summary>Complete backups of a server, oldest first (folders without a manifest are interrupted backups: skipped).</summary>
    public static async Task<IReadOnlyList<BackupHeader>> ListAsync(Repository repository, string server, CancellationToken cancellationToken)
    {
        var storage = repository.Storage;
        var prefix = $"{storage.Location}\n{RepositoryLayout.BackupsFolder(server)}/";
        var folders = (await storage.ListFoldersAsync(RepositoryLayout.BackupsFolder(server), cancellationToken).ConfigureAwait(false))
            .Where(f => BackupId.TryParse(f, out _)).ToList();
        var headers = new BackupHeader?[folders.Count];
        var seen = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(Enumerable.Range(0, folders.Count),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, ct) =>
            {
                var path = RepositoryLayout.ManifestPath(server, BackupId.Parse(folders[i]));
                var info = await storage.GetInfoAsync(path, ct).ConfigureAwait(false);
                if (info is null)
                {
                    return;
                }
                var key = prefix + folders[i];
                seen[key] = true;
                var entry = s_entries.AddOrUpdate(key,
                    _ => NewEntry(repository, path, info.Size, info.ModifiedAt),
                    (_, old) => old.Size == info.Size && old.ModifiedAt == info.ModifiedAt ? old : NewEntry(repository, path, info.Size, info.ModifiedAt));
                try
                {
                    headers[i] = await entry.Header.Value.ConfigureAwait(false);
                    if (headers[i] is { } header && header.Id != folders[i])
                    {
                        throw repository.ForeignManifest(server, BackupId.Parse(folders[i]), header.Id, server);
                    }
                }
                catch
                {
                    // A failed read (manifest replaced mid-read, I/O error) must not be remembered.
                    s_entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
                    throw;
                }
            }).ConfigureAwait(false);
        foreach (var stale in s_entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !seen.ContainsKey(k)).ToList())
        {
            s_entries.TryRemove(stale, out _);
        }
        return headers.OfType<BackupHeader>().OrderBy(h => h.Id, StringComparer.Ordinal).ToList();
    }

    private static Entry NewEntry(Repository repository, string path, long size, DateTimeOffset modifiedAt) => new(size, modifiedAt,
        new Lazy<Task<BackupHeader?>>(async () =>
        {
            // CancellationToken.None: the read is shared by every listing waiting for it, not owned by the first.
            // Only the header's fields: the file list is stepped over, not built (ManifestHeaderDocument).
            var manifest = await repository.ReadJsonAsync<ManifestHeaderDocument>(path, CancellationToken.None).ConfigureAwait(false);
            return manifest?.ToHeader();
        }));
}
