using PgArk.Core.Catalog;
using PgArk.Core.Codecs;
using PgArk.Core.Errors;
using PgArk.Core.Storage;

namespace PgArk.Core.Logical;

/// <summary>Streams dump files into and out of a repository: compressed with the repository's codec, hashed on the way.</summary>
internal static class DumpFileStore
{
    /// <summary>Copies <paramref name="source"/> to the repository at <paramref name="path"/>; nothing is kept locally.</summary>
    public static async Task<DumpFile> StoreAsync(Repository repository, Stream source, string path, string name, CancellationToken cancellationToken)
    {
        var target = await repository.Storage.OpenWriteAsync(path, WriteOptions.Bulk, cancellationToken).ConfigureAwait(false);
        await using var targetScope = target.ConfigureAwait(false);
        var counting = new CountingStream(target, leaveOpen: true);
        var compress = CompressionCodec.OpenCompress(repository.Compression, counting, repository.CompressionLevel, leaveOpen: true);
        var hashing = new HashingStream(compress, leaveOpen: true);
        await source.CopyToAsync(hashing, 1 << 20, cancellationToken).ConfigureAwait(false);
        var size = hashing.BytesProcessed;
        var sha = hashing.HashHex;
        await hashing.DisposeAsync().ConfigureAwait(false);
        await compress.DisposeAsync().ConfigureAwait(false);
        await counting.DisposeAsync().ConfigureAwait(false);
        await target.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return new DumpFile(name, size, counting.BytesProcessed, sha);
    }

    /// <summary>
    /// Copies a stored file, decompressed, into <paramref name="destination"/>, and checks its size and SHA-256 against
    /// the manifest (exit 5 on mismatch).
    /// </summary>
    public static async Task CopyVerifiedAsync(DumpCatalog catalog, DumpManifest manifest, DumpFile file, Stream destination, CancellationToken cancellationToken)
    {
        var plain = await catalog.OpenFileAsync(manifest, file.Name, cancellationToken).ConfigureAwait(false);
        await using var plainScope = plain.ConfigureAwait(false);
        var hashing = new HashingStream(plain, leaveOpen: true);
        await using var hashingScope = hashing.ConfigureAwait(false);
        await hashing.CopyToAsync(destination, 1 << 20, cancellationToken).ConfigureAwait(false);
        Check(manifest, file, hashing.BytesProcessed, hashing.HashHex);
    }

    public static void Check(DumpManifest manifest, DumpFile file, long size, string sha256)
    {
        if (size != file.Size || sha256 != file.Sha256)
        {
            throw new IntegrityException(
                $"dump '{manifest.Id}' file '{file.Name}' does not match its manifest: {size} bytes with SHA-256 {sha256}, expected {file.Size} bytes with {file.Sha256}");
        }
    }

    /// <summary>Writes the whole archive to a local folder (custom format: one file "dump"); returns the path pg_restore reads.</summary>
    public static async Task<string> MaterializeAsync(DumpCatalog catalog, DumpManifest manifest, string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        foreach (var file in manifest.Files)
        {
            var path = Path.Combine(folder, file.Name);
            var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using (output.ConfigureAwait(false))
            {
                await CopyVerifiedAsync(catalog, manifest, file, output, cancellationToken).ConfigureAwait(false);
            }
        }
        return manifest.DumpFormat == DumpFormat.Custom ? Path.Combine(folder, "dump") : folder;
    }

    /// <summary>A private scratch folder under $TMPDIR (0700), removed by the caller.</summary>
    public static string CreateScratchFolder(string purpose)
    {
        var path = Path.Combine(Path.GetTempPath(), $"pgark-{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public static void DeleteScratchFolder(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
