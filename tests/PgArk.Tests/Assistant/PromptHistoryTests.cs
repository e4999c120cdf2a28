using PgArk.Cli.Rendering;

namespace PgArk.Tests.Assistant;

/// <summary>The backup&gt; prompt's history file: owner-only, kept across sessions, bounded.</summary>
public sealed class PromptHistoryTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pgark-history-").FullName;

    [Fact]
    public void Append_NewFile_IsOwnerOnlyAndLoadsBackInOrder()
    {
        var history = new PromptHistory(Path.Combine(_folder, "history"));

        history.Append("list backups for hr_db");
        history.Append("restore customer_db to latest");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(history.Path));
        Assert.Equal(["list backups for hr_db", "restore customer_db to latest"], new PromptHistory(history.Path).Load());
    }

    [Fact]
    public void Append_ExistingWorldReadableFile_IsTightened()
    {
        var path = Path.Combine(_folder, "loose");
        File.WriteAllText(path, "health\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        new PromptHistory(path).Append("verify pg1");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(["health", "verify pg1"], new PromptHistory(path).Load());
    }

    [Fact]
    public void Append_BeyondTwiceTheLimit_KeepsOnlyTheLastLimitLines()
    {
        var history = new PromptHistory(Path.Combine(_folder, "long"));

        for (var i = 0; i <= 2 * PromptHistory.Limit; i++)
        {
            history.Append($"request {i}");
        }

        var lines = File.ReadAllLines(history.Path);
        Assert.Equal(PromptHistory.Limit, lines.Length);
        Assert.Equal($"request {2 * PromptHistory.Limit}", lines[^1]);
        Assert.Equal(PromptHistory.Limit, history.Load().Count);
    }

    [Fact]
    public void Load_MissingFileOrUnwritableFolder_IsEmptyAndAppendDoesNotThrow()
    {
        var history = new PromptHistory(Path.Combine(_folder, "no-such-folder", "history"));

        history.Append("health");

        Assert.Empty(history.Load());
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
