namespace PgArk.Cli.Rendering;

/// <summary>
/// The <c>backup&gt;</c> prompt's history across sessions: <c>$PGARK_HISTORY</c> (empty: none) or <c>~/.pgark_history</c>,
/// one request per line, owner-only (requests name databases and servers), trimmed to the last <see cref="Limit"/> lines.
/// History is a convenience: a file that cannot be read or written is ignored, never an error.
/// </summary>
internal sealed class PromptHistory(string path)
{
    public const string Variable = "PGARK_HISTORY";
    public const int Limit = 500;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string Path { get; } = path;

    /// <summary>The history file this user's prompt uses, or null when <c>PGARK_HISTORY</c> is set empty or there is no home.</summary>
    public static PromptHistory? ForCurrentUser()
    {
        var configured = Environment.GetEnvironmentVariable(Variable);
        if (configured is not null)
        {
            return configured.Length == 0 ? null : new PromptHistory(configured);
        }
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return home.Length == 0 ? null : new PromptHistory(System.IO.Path.Combine(home, ".pgark_history"));
    }

    public IReadOnlyList<string> Load()
    {
        try
        {
            var lines = File.ReadAllLines(Path).Where(l => l.Trim().Length > 0).ToList();
            return lines.Count > Limit ? lines[^Limit..] : lines;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    public void Append(string line)
    {
        if (line.Contains('\n', StringComparison.Ordinal) || line.Contains('\r', StringComparison.Ordinal))
        {
            return;
        }
        try
        {
            using (var stream = new FileStream(Path, new FileStreamOptions
            {
                Mode = FileMode.Append, Access = FileAccess.Write, UnixCreateMode = OwnerOnly,
            }))
            using (var writer = new StreamWriter(stream))
            {
                writer.WriteLine(line);
            }
            // A file made by hand (or by an older version) is tightened too.
            if ((File.GetUnixFileMode(Path) & ~OwnerOnly) != 0)
            {
                File.SetUnixFileMode(Path, OwnerOnly);
            }
            TrimIfLong();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // History is a convenience: a read-only home must not break the prompt.
        }
    }

    /// <summary>Rewrites the file with its last <see cref="Limit"/> lines once it has twice as many (so not on every request).</summary>
    private void TrimIfLong()
    {
        var lines = File.ReadAllLines(Path);
        if (lines.Length <= 2 * Limit)
        {
            return;
        }
        var temporary = Path + ".tmp";
        File.WriteAllLines(temporary, lines[^Limit..]);
        File.SetUnixFileMode(temporary, OwnerOnly);
        File.Move(temporary, Path, overwrite: true);
    }
}
