using PgArk.Core.Common;
using System.Text.Json;
using System.Text.RegularExpressions;
using PgArk.Core.Catalog;
using PgArk.Core.Codecs;
using PgArk.Core.Errors;
using PgArk.Core.Storage;

namespace PgArk.Core.Logical;

/// <summary>Typed access to the logical dumps of a repository (<c>servers/&lt;server&gt;/dumps/&lt;id&gt;/</c>).</summary>
internal sealed partial class DumpCatalog(Repository repository)
{
    public Repository Repository { get; } = repository;

    /// <summary>Complete dumps of a server, oldest first; folders without a manifest (interrupted dumps) are skipped.</summary>
    public async Task<IReadOnlyList<DumpManifest>> ListAsync(string server, CancellationToken cancellationToken)
    {
        var result = new List<DumpManifest>();
        foreach (var folder in await Repository.Storage.ListFoldersAsync(RepositoryLayout.DumpsFolder(server), cancellationToken).ConfigureAwait(false))
        {
            if (DumpId.TryParse(folder, out var id) && await TryReadAsync(server, id, cancellationToken).ConfigureAwait(false) is { } manifest)
            {
                result.Add(manifest);
            }
        }
        result.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return result;
    }

    /// <summary>Dump folders without a manifest: dumps that were interrupted.</summary>
    public async Task<IReadOnlyList<DumpId>> ListIncompleteAsync(string server, CancellationToken cancellationToken)
    {
        var result = new List<DumpId>();
        foreach (var folder in await Repository.Storage.ListFoldersAsync(RepositoryLayout.DumpsFolder(server), cancellationToken).ConfigureAwait(false))
        {
            if (DumpId.TryParse(folder, out var id)
                && await Repository.Storage.GetInfoAsync(RepositoryLayout.DumpManifestPath(server, id.Value), cancellationToken).ConfigureAwait(false) is null)
            {
                result.Add(id);
            }
        }
        return result;
    }

    public async Task<DumpManifest?> TryReadAsync(string server, DumpId id, CancellationToken cancellationToken) =>
        await Repository.ReadJsonAsync<DumpManifest>(RepositoryLayout.DumpManifestPath(server, id.Value), cancellationToken).ConfigureAwait(false);

    public async Task<DumpManifest> ReadAsync(string server, DumpId id, CancellationToken cancellationToken) =>
        await TryReadAsync(server, id, cancellationToken).ConfigureAwait(false)
        ?? throw new NotFoundException($"dump '{id}' of server '{server}' not found in repository '{Repository.Name}'",
            "see 'pgark dumps --server " + server + "' for the dumps");

    /// <summary>The dump with the given id, or the newest dump of <paramref name="database"/> (any database when null).</summary>
    public async Task<DumpManifest> FindAsync(string server, string? dumpId, string? database, CancellationToken cancellationToken)
    {
        if (dumpId is not null)
        {
            var manifest = await ReadAsync(server, DumpId.Parse(dumpId), cancellationToken).ConfigureAwait(false);
            if (database is not null && manifest.Database != database)
            {
                throw new UsageException($"dump '{dumpId}' is of database '{manifest.Database}', not '{database}'");
            }
            return manifest;
        }
        var dumps = await ListAsync(server, cancellationToken).ConfigureAwait(false);
        return dumps.LastOrDefault(d => database is null || d.Database == database)
            ?? throw new NotFoundException(
                database is null ? $"server '{server}' has no dumps in repository '{Repository.Name}'"
                    : $"server '{server}' has no dump of database '{database}' in repository '{Repository.Name}'",
                $"take one with 'pgark dump --server {server} --database {database ?? "DB"}'");
    }

    public async Task WriteManifestAsync(DumpManifest manifest, CancellationToken cancellationToken)
    {
        await Repository.WriteJsonAsync(RepositoryLayout.DumpManifestPath(manifest.Server, manifest.Id), manifest, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the manifest first (the dump stops being listed at once), then the rest of the folder.</summary>
    public async Task DeleteAsync(string server, DumpId id, CancellationToken cancellationToken)
    {
        await Repository.Storage.DeleteAsync(RepositoryLayout.DumpManifestPath(server, id.Value), cancellationToken).ConfigureAwait(false);
        await Repository.Storage.SyncFolderAsync(RepositoryLayout.DumpFolder(server, id.Value), cancellationToken).ConfigureAwait(false);
        await Repository.Storage.DeleteFolderAsync(RepositoryLayout.DumpFolder(server, id.Value), cancellationToken).ConfigureAwait(false);
    }

    public static string FilePath(DumpManifest manifest, string fileName) =>
        FilePath(manifest.Server, manifest.Id, manifest.Compression, fileName);

    /// <summary>Where a file of a pg_dump archive is stored; names that pg_dump would not write are refused.</summary>
    public static string FilePath(string server, string dumpId, CompressionType compression, string fileName)
    {
        if (!FileNamePattern().IsMatch(fileName))
        {
            throw new IntegrityException($"dump '{dumpId}' names a file '{fileName}' that is not a pg_dump archive file name");
        }
        return RepositoryLayout.DumpFilePath(server, dumpId, fileName, CompressionCodec.FileExtension(compression));
    }

    /// <summary>Opens a stored dump file decompressed (plain pg_dump bytes).</summary>
    public async Task<Stream> OpenFileAsync(DumpManifest manifest, string fileName, CancellationToken cancellationToken)
    {
        var stored = await Repository.Storage.OpenReadAsync(FilePath(manifest, fileName), cancellationToken).ConfigureAwait(false);
        return CompressionCodec.OpenDecompress(manifest.Compression, stored, leaveOpen: false);
    }

    // "dump" (custom format) or what pg_dump writes into a directory archive: toc.dat, <dumpId>.dat, blobs.toc, blob_<oid>.dat.
    [GeneratedRegex("^[A-Za-z0-9_]{1,64}(\\.(dat|toc))?$", RegexOptions.CultureInvariant)]
    private static partial Regex FileNamePattern();
}
