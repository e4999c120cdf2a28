using System.Globalization;
using Microsoft.Win32.SafeHandles;
using PgArk.Core.Common;
using PgArk.Core.Postgres;

namespace PgArk.Core.Wal;

/// <summary>What the asynchronous pusher recorded for one WAL file.</summary>
/// <param name="Ok">True: stored durably in every repository; false: <paramref name="Message"/> says why not.</param>
/// <param name="Stamp">Size and modification time of the file that was pushed (<see cref="WalFileStamp"/>, ok only).</param>
/// <param name="Sha256">SHA-256 of the content that was pushed (ok only), as the repository names the object.</param>
/// <param name="WrittenAt">When the status file was written (UTC).</param>
internal sealed record WalPushStatus(bool Ok, string Message, string Stamp, string Sha256, DateTime WrittenAt)
{
    /// <summary>
    /// True when this ok status was written for the file now at <paramref name="walPath"/> (same size and modification
    /// time to the nanosecond), so an old status left for a file of the same name never vouches for different content.
    /// </summary>
    public bool Describes(string walPath) => Ok && WalFileStamp.Of(walPath) == Stamp;
}

/// <summary>
/// "&lt;size&gt; &lt;seconds&gt;.&lt;nanoseconds&gt;" of a file's modification time: exactly what GNU
/// <c>stat -c '%s %.9Y'</c> prints, so the shell fast path (<c>pgark-archive-push</c>) compares it as a string.
/// </summary>
internal static class WalFileStamp
{
    public static string? Of(string path) =>
        Libc.GetSizeAndModified(path) is { } s
            ? string.Create(CultureInfo.InvariantCulture, $"{s.Size} {s.Seconds}.{s.Nanoseconds:D9}")
            : null;
}

/// <summary>
/// The asynchronous archiving spool of one server: <c>&lt;spool&gt;/&lt;server&gt;/</c> holds the pusher's lock file and
/// one status file per WAL file, <c>&lt;name&gt;.ok</c> or <c>&lt;name&gt;.error</c>. An ok status is one line,
/// <c>ok &lt;name&gt; &lt;size&gt; &lt;mtime s.ns&gt; &lt;sha256&gt;</c>, read both by archive-push and by the shell fast
/// path <c>pgark-archive-push</c>; an error status is <c>error &lt;name&gt;</c> and the message on the next line. A status
/// is written only after the repositories' writes are durable, to a temporary name then renamed (not synced: after a
/// crash a status either says what happened or is absent, empty or torn, and then the file is pushed again, which is
/// idempotent).
/// </summary>
internal sealed class WalArchiveSpool
{
    private const string OkSuffix = ".ok";
    private const string ErrorSuffix = ".error";

    public WalArchiveSpool(string spoolRoot, string server)
    {
        Folder = Path.Combine(spoolRoot, server);
    }

    public string Folder { get; }

    /// <summary>flock'ed by the running pusher for its whole life; holds its process id.</summary>
    public string LockPath => Path.Combine(Folder, "pusher.lock");

    /// <summary>Where a pusher started by archive-push writes its log.</summary>
    public string LogPath => Path.Combine(Folder, "pusher.log");

    public void EnsureFolder() => Directory.CreateDirectory(Folder);

    /// <param name="stamp">The file's <see cref="WalFileStamp"/>, taken before it was read.</param>
    public void WriteOk(string walName, string stamp, string sha256) =>
        Write(walName + OkSuffix, $"ok {walName} {stamp} {sha256}\n", walName + ErrorSuffix);

    public void WriteError(string walName, string message) =>
        Write(walName + ErrorSuffix, $"error {walName}\n" + message.ReplaceLineEndings(" ") + "\n", walName + OkSuffix);

    /// <summary>The status of <paramref name="walName"/>, or null when there is none yet (or it cannot be parsed).</summary>
    public WalPushStatus? TryRead(string walName)
    {
        var okPath = Path.Combine(Folder, walName + OkSuffix);
        var ok = TryReadText(okPath);
        if (ok is not null)
        {
            // ok <name> <size> <seconds.nanoseconds> <sha256>
            var fields = ok.TrimEnd('\n').Split(' ');
            if (ok.EndsWith('\n') && fields.Length == 5 && fields[0] == "ok" && fields[1] == walName
                && long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out _) && fields[4].Length == 64)
            {
                return new WalPushStatus(true, "", fields[2] + " " + fields[3], fields[4], File.GetLastWriteTimeUtc(okPath));
            }
            // Never trust what cannot be read back whole, nor a status naming another file; the file will be pushed again.
            Remove(walName);
            return null;
        }
        var errorPath = Path.Combine(Folder, walName + ErrorSuffix);
        var error = TryReadText(errorPath);
        var header = $"error {walName}\n";
        if (error is not null && error.StartsWith(header, StringComparison.Ordinal))
        {
            return new WalPushStatus(false, error[header.Length..].Trim(), "", "", File.GetLastWriteTimeUtc(errorPath));
        }
        return null;
    }

    /// <summary>True when the file has a status (ok or error), so the pusher leaves it alone.</summary>
    public bool HasStatus(string walName) =>
        File.Exists(Path.Combine(Folder, walName + OkSuffix)) || File.Exists(Path.Combine(Folder, walName + ErrorSuffix));

    /// <summary>Removes both statuses of <paramref name="walName"/> (an error is removed so that the pusher tries again).</summary>
    public void Remove(string walName)
    {
        File.Delete(Path.Combine(Folder, walName + OkSuffix));
        File.Delete(Path.Combine(Folder, walName + ErrorSuffix));
    }

    /// <summary>WAL file names with a status of either kind, and which are errors.</summary>
    public IReadOnlyList<(string WalName, bool Ok)> ListStatuses()
    {
        if (!Directory.Exists(Folder))
        {
            return [];
        }
        var result = new List<(string, bool)>();
        foreach (var file in Directory.EnumerateFiles(Folder))
        {
            var name = Path.GetFileName(file);
            if (name.EndsWith(OkSuffix, StringComparison.Ordinal) && WalFileName.TryParse(name[..^OkSuffix.Length], out _))
            {
                result.Add((name[..^OkSuffix.Length], true));
            }
            else if (name.EndsWith(ErrorSuffix, StringComparison.Ordinal) && WalFileName.TryParse(name[..^ErrorSuffix.Length], out _))
            {
                result.Add((name[..^ErrorSuffix.Length], false));
            }
        }
        result.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return result;
    }

    /// <summary>
    /// True when a pusher holds the lock. Tests with a non-blocking flock that is released at once: a pusher started just
    /// after this answered false finds the lock free.
    /// </summary>
    public bool IsPusherRunning()
    {
        if (!File.Exists(LockPath))
        {
            return false;
        }
        using var handle = Libc.TryOpenRead(LockPath);
        if (handle is null)
        {
            return false;
        }
        return Libc.Flock(handle, Libc.LOCK_EX | Libc.LOCK_NB) != 0;
    }

    /// <summary>Takes the pusher lock, or returns null when another pusher holds it. Dispose to release.</summary>
    public SafeFileHandle? TryLockPusher()
    {
        EnsureFolder();
        var handle = Libc.OpenOrCreateReadWrite(LockPath, 0x1A4);
        if (Libc.Flock(handle, Libc.LOCK_EX | Libc.LOCK_NB) != 0)
        {
            handle.Dispose();
            return null;
        }
        var pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        RandomAccess.SetLength(handle, 0);
        RandomAccess.Write(handle, pid, 0);
        return handle;
    }

    /// <summary>The process id the current (or last) pusher wrote into the lock file, if any.</summary>
    public int? PusherProcessId()
    {
        // Not through FileStream: .NET's implicit shared flock would fail against the pusher's exclusive one.
        using var handle = Libc.TryOpenRead(LockPath);
        if (handle is null)
        {
            return null;
        }
        var buffer = new byte[32];
        var read = RandomAccess.Read(handle, buffer, 0);
        return int.TryParse(buffer.AsSpan(0, read).Trim((byte)'\n'), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    private void Write(string fileName, string content, string otherStatus)
    {
        EnsureFolder();
        var path = Path.Combine(Folder, fileName);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(System.Text.Encoding.UTF8.GetBytes(content));
        }
        // Not synced: the repositories' writes already are, so a status that survives a crash is true, and one lost or
        // emptied by a crash only means the file is pushed again (readers reject anything but a whole status line).
        File.Delete(Path.Combine(Folder, otherStatus));
        File.Move(temporary, path, overwrite: true);
    }

    private static string? TryReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

}
