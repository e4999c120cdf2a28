using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace PgArk.Core.Wal;

/// <summary>
/// WAL segments fetched ahead of PostgreSQL's requests during recovery, in <c>pgark_prefetch/</c> of the data directory
/// being recovered. Each file is named <c>&lt;segment&gt;-&lt;sha256&gt;</c> with the SHA-256 the repository recorded; a
/// segment is handed to PostgreSQL only after its content hashes to that value again, so a file damaged on disk is
/// fetched anew instead of replayed. Partial downloads (<c>*.fetching</c>) are never served.
/// </summary>
internal sealed partial class WalPrefetchSpool
{
    public const string FolderName = "pgark_prefetch";

    private WalPrefetchSpool(string folder) => Folder = folder;

    public string Folder { get; }

    [GeneratedRegex("^([0-9A-F]{24})-([0-9a-f]{64})$")]
    private static partial Regex EntryName();

    /// <summary>
    /// The spool of the data directory restore_command writes into (<c>%p</c> is <c>pg_wal/RECOVERYXLOG</c> there), or
    /// null when <paramref name="destination"/> is not in a PostgreSQL data directory's pg_wal.
    /// </summary>
    public static WalPrefetchSpool? ForDestination(string destination)
    {
        var walFolder = Path.GetDirectoryName(Path.GetFullPath(destination));
        var dataDirectory = walFolder is null ? null : Path.GetDirectoryName(walFolder);
        if (dataDirectory is null || Path.GetFileName(walFolder) != "pg_wal" || !File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            return null;
        }
        return new WalPrefetchSpool(Path.Combine(dataDirectory, FolderName));
    }

    /// <summary>Removes entries PostgreSQL has gone past (and leftovers of interrupted downloads).</summary>
    public void Prune(string currentSegment)
    {
        if (!Directory.Exists(Folder))
        {
            return;
        }
        foreach (var file in Directory.EnumerateFiles(Folder))
        {
            var match = EntryName().Match(Path.GetFileName(file));
            if (!match.Success || string.CompareOrdinal(match.Groups[1].Value, currentSegment) < 0)
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>Segments already in the spool after <paramref name="currentSegment"/>.</summary>
    public HashSet<string> SegmentsAfter(string currentSegment) =>
        !Directory.Exists(Folder)
            ? []
            : Directory.EnumerateFiles(Folder)
                .Select(f => EntryName().Match(Path.GetFileName(f)))
                .Where(m => m.Success && string.CompareOrdinal(m.Groups[1].Value, currentSegment) > 0)
                .Select(m => m.Groups[1].Value)
                .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Moves the spooled copy of <paramref name="segment"/> to <paramref name="destination"/> when its content still has
    /// the recorded SHA-256. Returns its size, or null when there is none or it was damaged (then it is deleted).
    /// </summary>
    public async Task<long?> TryServeAsync(string segment, string destination, Action<string> reportDamaged,
        CancellationToken cancellationToken)
    {
        if (!Directory.Exists(Folder))
        {
            return null;
        }
        foreach (var file in Directory.EnumerateFiles(Folder, segment + "-*"))
        {
            var match = EntryName().Match(Path.GetFileName(file));
            if (!match.Success)
            {
                continue;
            }
            string actual;
            var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            }
            if (actual != match.Groups[2].Value)
            {
                reportDamaged(
                    $"prefetched WAL file {segment} is damaged (SHA-256 {actual}, expected {match.Groups[2].Value}); fetching it again");
                File.Delete(file);
                return null;
            }
            var size = new FileInfo(file).Length;
            File.Move(file, destination, overwrite: true);
            return size;
        }
        return null;
    }

    /// <summary>Where a download of <paramref name="segment"/> goes before <see cref="Commit"/> names it by its checksum.</summary>
    public string DownloadPath(string segment)
    {
        Directory.CreateDirectory(Folder);
        return Path.Combine(Folder, segment + ".fetching");
    }

    public void Commit(string segment, string sha256) =>
        File.Move(DownloadPath(segment), Path.Combine(Folder, $"{segment}-{sha256}"), overwrite: true);

    /// <summary>Recovery reached the end of the archive: nothing spooled can be needed any more.</summary>
    public void Delete()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }
}
