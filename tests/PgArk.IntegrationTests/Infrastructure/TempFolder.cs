using System.Security.Cryptography;

namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>
/// A fresh directory <c>/tmp/pgark-it-&lt;random&gt;</c> (mode 0700), deleted with everything in it on dispose.
/// Kept directly under /tmp so Unix socket paths inside it stay well below the 107-byte limit.
/// </summary>
public sealed class TempFolder : IDisposable
{
    public const string DefaultPrefix = "pgark-it-";

    private TempFolder(string path)
    {
        Path = path;
    }

    public string Path { get; }

    /// <summary>A folder owned by the current user.</summary>
    public static TempFolder Create(string prefix = DefaultPrefix) => new(CreateUniqueDirectory(prefix));

    /// <summary>
    /// A folder that, when <paramref name="ownedByPostgres"/> and running as root, belongs to the postgres user, so a
    /// server can use it (for a data directory, sockets or a WAL archive written by archive_command).
    /// </summary>
    public static async Task<TempFolder> CreateAsync(bool ownedByPostgres, CancellationToken cancellationToken)
    {
        var folder = Create();
        try
        {
            if (ownedByPostgres)
            {
                await Posix.ChownToPostgresAsync(folder.Path, recursive: false, cancellationToken).ConfigureAwait(false);
            }

            return folder;
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Hands the folder and everything in it to the postgres user (no-op when not root).</summary>
    public Task ChownToPostgresAsync(CancellationToken cancellationToken) =>
        Posix.ChownToPostgresAsync(Path, recursive: true, cancellationToken);

    /// <summary>Best effort: never throws.</summary>
    public void Dispose() => TryDelete(Path);

    public override string ToString() => Path;

    internal static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string CreateUniqueDirectory(string prefix)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var path = System.IO.Path.Combine("/tmp", prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
            if (!Directory.Exists(path) && !File.Exists(path))
            {
                Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                return path;
            }
        }

        throw new IOException($"unable to create a unique directory /tmp/{prefix}*");
    }
}
