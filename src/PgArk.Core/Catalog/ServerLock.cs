using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Win32.SafeHandles;
using PgArk.Core.Common;
using PgArk.Core.Errors;

namespace PgArk.Core.Catalog;

/// <summary>
/// An exclusive lock per server and purpose (e.g. "backup"), so that two backups of one server never run at once,
/// in this process or another one. It is an flock(2) on <c>&lt;lockFolder&gt;/&lt;server&gt;-&lt;purpose&gt;.lock</c>:
/// the kernel releases it when the holder exits, even when killed with -9. The file records the holder's pid, host
/// and start time, for the message others get, and is emptied on release, so a non-empty file that nobody holds is
/// the trace of a holder that died.
/// </summary>
internal sealed partial class ServerLock : IAsyncDisposable, IDisposable
{
    private const UnixFileMode FolderPermissions = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const uint FilePermissions = 0b110_000_000; // 0600

    private SafeFileHandle? _handle;

    private ServerLock(string path, string serverName, string purpose, SafeFileHandle handle, Holder? staleHolder)
    {
        Path = path;
        ServerName = serverName;
        Purpose = purpose;
        _handle = handle;
        TookOverStaleLock = staleHolder is not null;
        PreviousHolderPid = staleHolder?.ProcessId;
        PreviousHolderSince = staleHolder?.StartedAt;
    }

    /// <summary>The lock file.</summary>
    public string Path { get; }

    public string ServerName { get; }

    public string Purpose { get; }

    /// <summary>True when the lock file still named a holder that had died without releasing it (worth a warning).</summary>
    public bool TookOverStaleLock { get; }

    /// <summary>Pid of the dead holder whose lock was taken over, when <see cref="TookOverStaleLock"/> and it was recorded.</summary>
    public int? PreviousHolderPid { get; }

    /// <summary>When the dead holder had taken the lock, when <see cref="TookOverStaleLock"/> and it was recorded.</summary>
    public DateTimeOffset? PreviousHolderSince { get; }

    /// <summary>
    /// Takes the lock without waiting. Throws <see cref="LockHeldException"/> when another holder (any process,
    /// including this one) has it. <paramref name="lockFolder"/> is created 0700 when missing.
    /// </summary>
    /// <param name="serverName">Server name; letters, digits, '.', '_' and '-', not starting with '.'.</param>
    /// <param name="purpose">What the lock guards, e.g. "backup"; same characters as the server name.</param>
    public static Task<ServerLock> AcquireAsync(
        string lockFolder, string serverName, string purpose, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(lockFolder);
        ValidateName(serverName, nameof(serverName));
        ValidateName(purpose, nameof(purpose));
        cancellationToken.ThrowIfCancellationRequested();

        var folder = System.IO.Path.GetFullPath(lockFolder);
        var path = System.IO.Path.Combine(folder, $"{serverName}-{purpose}.lock");
        return Task.Run(() => Acquire(folder, path, serverName, purpose), cancellationToken);
    }

    /// <summary>Releases the lock: empties the file (a clean release leaves no holder behind) and closes it.</summary>
    public void Dispose()
    {
        var handle = Interlocked.Exchange(ref _handle, null);
        if (handle is null)
        {
            return;
        }

        try
        {
            RandomAccess.SetLength(handle, 0);
        }
        catch (IOException)
        {
            // The lock is released by the close below regardless; the next holder will merely think we died.
        }
        finally
        {
            handle.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static ServerLock Acquire(string folder, string path, string serverName, string purpose)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("server locks use flock(2) and need Linux");
        }

        try
        {
            Directory.CreateDirectory(folder, FolderPermissions);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new OperationFailedException($"unable to create lock folder '{folder}': {ex.Message}", innerException: ex);
        }

        SafeFileHandle handle;
        try
        {
            // Opened through libc: .NET's FileStream would take its own flock (or none at all when
            // DOTNET_SYSTEM_IO_DISABLEFILELOCKING is set), and O_CLOEXEC keeps child processes from inheriting it.
            handle = Libc.OpenOrCreateReadWrite(path, FilePermissions);
        }
        catch (IOException ex)
        {
            throw new OperationFailedException($"unable to open lock file '{path}': {ex.Message}", innerException: ex);
        }

        try
        {
            var errno = Libc.Flock(handle, Libc.LOCK_EX | Libc.LOCK_NB);
            if (errno == Libc.EWOULDBLOCK)
            {
                throw Held(serverName, purpose, ReadHolder(handle));
            }

            if (errno != 0)
            {
                throw new OperationFailedException(
                    Libc.Failure("unable to lock file", path, errno).Message,
                    "the lock folder must be on a file system that supports flock(2)");
            }

            var previous = ReadHolder(handle);
            var content = Encoding.UTF8.GetBytes(new Holder(
                Environment.ProcessId, Environment.MachineName, DateTimeOffset.UtcNow, purpose).Format());
            RandomAccess.SetLength(handle, 0);
            RandomAccess.Write(handle, content, 0);
            return new ServerLock(path, serverName, purpose, handle, previous);
        }
        catch (IOException ex)
        {
            handle.Dispose();
            throw new OperationFailedException($"unable to write lock file '{path}': {ex.Message}", innerException: ex);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static LockHeldException Held(string serverName, string purpose, Holder? holder)
    {
        var by = holder switch
        {
            { ProcessId: { } pid, StartedAt: { } since } => $"held by pid {pid}{OnHost(holder)} since {FormatTime(since)}",
            { ProcessId: { } pid } => $"held by pid {pid}{OnHost(holder)}",
            _ => "held by another process",
        };
        return new LockHeldException(
            $"unable to acquire {purpose} lock for server '{serverName}': {by}",
            $"wait for the running {purpose} of '{serverName}' to finish; the lock is released when its process exits");
    }

    private static string OnHost(Holder holder) =>
        holder.HostName is { Length: > 0 } host && host != Environment.MachineName ? $" on host '{host}'" : "";

    /// <summary>The holder recorded in the file; null when it is empty or unreadable (the content is only informative).</summary>
    private static Holder? ReadHolder(SafeFileHandle handle)
    {
        try
        {
            var buffer = new byte[4096];
            var length = RandomAccess.Read(handle, buffer, 0);
            return length == 0 ? null : Holder.Parse(Encoding.UTF8.GetString(buffer, 0, length));
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void ValidateName(string value, string parameterName)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, parameterName);
        if (!NamePattern().IsMatch(value))
        {
            throw new ArgumentException($"'{value}' is not a valid lock name part (letters, digits, '.', '_', '-')", parameterName);
        }
    }

    private static string FormatTime(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9._-]*$")]
    private static partial Regex NamePattern();

    /// <summary>The lock file's content: "key=value" lines, readable with cat.</summary>
    private sealed record Holder(int? ProcessId, string? HostName, DateTimeOffset? StartedAt, string? Purpose)
    {
        public string Format() =>
            $"pid={ProcessId}\nhost={HostName}\nstarted={(StartedAt is { } t ? FormatTime(t) : "")}\npurpose={Purpose}\n";

        /// <summary>Parses what it can; a holder killed mid-write may have left a partial file.</summary>
        public static Holder Parse(string text)
        {
            int? pid = null;
            string? host = null;
            DateTimeOffset? started = null;
            string? purpose = null;
            foreach (var line in text.Split('\n'))
            {
                var equals = line.IndexOf('=', StringComparison.Ordinal);
                if (equals < 0)
                {
                    continue;
                }

                var value = line[(equals + 1)..].Trim();
                switch (line[..equals].Trim())
                {
                    case "pid" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var p):
                        pid = p;
                        break;
                    case "host":
                        host = value;
                        break;
                    case "started" when DateTimeOffset.TryParse(
                        value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var s):
                        started = s;
                        break;
                    case "purpose":
                        purpose = value;
                        break;
                }
            }

            return new Holder(pid, host, started, purpose);
        }
    }
}
