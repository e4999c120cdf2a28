using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PgArk.Core.Errors;

namespace PgArk.Core.Catalog;

/// <summary>
/// Detects a mutable repository file put back to an older copy of itself. Backup manifests, backup files, WAL segments,
/// dumps and history records are written once under a name of their own; the files PgArk rewrites in place are the
/// state files (<see cref="IsMutable"/>). Each write of one carries a <c>generation</c> one above the highest known, inside
/// the file's content — in an encrypted repository that content is authenticated and bound to its path, so it cannot be
/// edited or taken from another file — and this machine remembers, per repository and file, the highest generation it
/// has written or read (its high-water mark, in <see cref="DefaultFolder"/>). A file read back with a lower generation
/// is an older copy: refused as damage (<see cref="RepositoryRollbackException"/>, exit 5). Files from before generations read as generation 0, which is accepted
/// until a generation of them has been seen here, so older repositories stay readable.
/// </summary>
/// <param name="folder">Where the marks are kept (created 0700 on first write).</param>
public sealed class RollbackGuard(string folder)
{
    public const string GenerationProperty = "generation";

    private static readonly string[] s_mutableNames = ["schedule-state.json", "alerts-state.json"];

    public string Folder { get; } = folder;

    /// <summary>
    /// <c>$PGARK_STATE_DIR</c>, else <c>$XDG_STATE_HOME/pgark</c>, else <c>~/.local/state/pgark</c>: per user, like the
    /// processes that read and write the state files (the service, the CLI).
    /// </summary>
    public static string DefaultFolder()
    {
        if (Environment.GetEnvironmentVariable("PGARK_STATE_DIR") is { Length: > 0 } explicitFolder)
        {
            return explicitFolder;
        }
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(state, "pgark");
    }

    /// <summary>The repository files PgArk rewrites in place: schedule and alert state (servers, stores, backup sets).</summary>
    public static bool IsMutable(string path)
    {
        var name = path[(path.LastIndexOf('/') + 1)..];
        return s_mutableNames.Contains(name, StringComparer.Ordinal);
    }

    /// <summary>The file that holds the mark of <paramref name="path"/> in the repository at <paramref name="location"/>.</summary>
    public string MarkFile(string location, string path)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{location}\0{path}"));
        return Path.Combine(Folder, "generations", Convert.ToHexStringLower(digest.AsSpan(0, 16)));
    }

    /// <summary>The highest generation of the file this machine has seen; 0 when none.</summary>
    public async Task<long> GetAsync(string location, string path, CancellationToken cancellationToken)
    {
        try
        {
            var text = await File.ReadAllTextAsync(MarkFile(location, path), cancellationToken).ConfigureAwait(false);
            // A damaged mark file must not stop the service: it only weakens the check until the next write.
            return long.TryParse(text.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var mark)
                ? mark : 0;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return 0;
        }
    }

    /// <summary>Remembers <paramref name="generation"/> when it is above the mark.</summary>
    /// <remarks>
    /// Two processes raising the same mark at once may leave the lower of their two values: the check is then weaker by
    /// one generation, never wrong (a mark is never above what was written).
    /// </remarks>
    public async Task RaiseAsync(string location, string path, long generation, CancellationToken cancellationToken)
    {
        if (generation <= await GetAsync(location, path, cancellationToken).ConfigureAwait(false))
        {
            return;
        }
        var file = MarkFile(location, path);
        var folder = Path.GetDirectoryName(file)!;
        if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var temporary = $"{file}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        await File.WriteAllTextAsync(temporary, generation.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken)
            .ConfigureAwait(false);
        File.Move(temporary, file, overwrite: true);
    }

    /// <summary>The generation stored in a state file's JSON; 0 for a file written before generations.</summary>
    public static long GenerationOf(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return 0;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isGeneration = reader.ValueTextEquals(GenerationProperty);
            reader.Read();
            if (isGeneration)
            {
                return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) && value >= 0 ? value : 0;
            }
            reader.Skip();
        }
        return 0;
    }

    /// <summary><paramref name="json"/> (an object) with its <c>generation</c> set.</summary>
    public static byte[] WithGeneration(byte[] json, long generation)
    {
        var node = JsonNode.Parse(json) as JsonObject ?? throw new InvalidOperationException("a state file must be a JSON object");
        node[GenerationProperty] = generation;
        return Encoding.UTF8.GetBytes(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Refuses a file older than the mark; raises the mark to a newer one.</summary>
    public async Task CheckAsync(string location, string path, long generation, CancellationToken cancellationToken)
    {
        var mark = await GetAsync(location, path, cancellationToken).ConfigureAwait(false);
        if (generation < mark)
        {
            throw new RepositoryRollbackException(
                $"repository file '{path}' in {location} was rolled back: it holds generation {generation}, but this machine has already seen generation {mark} of it (someone put an older copy of the file in its place)",
                $"find out who replaced it; if the repository itself was restored from an older copy on purpose, delete '{MarkFile(location, path)}' to accept the file as it is");
        }
        if (generation > mark)
        {
            await RaiseAsync(location, path, generation, cancellationToken).ConfigureAwait(false);
        }
    }
}
