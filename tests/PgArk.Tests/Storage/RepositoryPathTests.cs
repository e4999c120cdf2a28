using PgArk.Core.Errors;
using PgArk.Core.Storage;

namespace PgArk.Tests.Storage;

public class RepositoryPathTests
{
    private const string Hint = "repository paths are relative and '/'-separated, with no '.', '..' or empty segments";

    [Theory]
    [InlineData("a")]
    [InlineData("backup/20261121-100000F/manifest.json")]
    [InlineData(".hidden")]
    [InlineData("a..b/...")]
    [InlineData("wal/0000000100000000/000000010000000000000001-6b86b273.gz")]
    [InlineData("données/ファイル")]
    [InlineData("with space/and-dash_underscore")]
    public void ValidateFile_ValidPath_ReturnsItUnchanged(string path)
    {
        Assert.Same(path, RepositoryPath.ValidateFile(path));
    }

    [Theory]
    [InlineData("", "invalid repository path '': a file path must not be empty")]
    [InlineData("/etc/passwd", "invalid repository path '/etc/passwd': it is absolute")]
    [InlineData("..", "invalid repository path '..': it contains a '..' segment")]
    [InlineData("../secret", "invalid repository path '../secret': it contains a '..' segment")]
    [InlineData("backup/../../etc/shadow", "invalid repository path 'backup/../../etc/shadow': it contains a '..' segment")]
    [InlineData("backup/..", "invalid repository path 'backup/..': it contains a '..' segment")]
    [InlineData(".", "invalid repository path '.': it contains a '.' segment")]
    [InlineData("./a", "invalid repository path './a': it contains a '.' segment")]
    [InlineData("a/./b", "invalid repository path 'a/./b': it contains a '.' segment")]
    [InlineData("a//b", "invalid repository path 'a//b': it contains an empty segment")]
    [InlineData("a/", "invalid repository path 'a/': a file path must not end with '/'")]
    [InlineData("/", "invalid repository path '/': a file path must not end with '/'")]
    [InlineData("a\\..\\b", "invalid repository path 'a\\..\\b': it contains a backslash")]
    [InlineData("a\0/b", "invalid repository path 'a\\u0000/b': it contains a NUL character")]
    [InlineData("a\nb", "invalid repository path 'a\\u000ab': it contains a control character")]
    [InlineData("a\u007fb", "invalid repository path 'a\\u007fb': it contains a control character")]
    [InlineData("x/.f.pgark-tmp.1.ab", "invalid repository path 'x/.f.pgark-tmp.1.ab': '.pgark-tmp.' is reserved for temporary files")]
    public void ValidateFile_InvalidPath_ThrowsUsageExceptionNamingThePath(string path, string message)
    {
        var exception = Assert.Throws<UsageException>(() => RepositoryPath.ValidateFile(path));

        Assert.Equal(message, exception.Message);
        Assert.Equal(Hint, exception.Hint);
        Assert.Equal(ErrorKind.Usage, exception.Kind);
    }

    [Fact]
    public void ValidateFile_Null_ThrowsUsageException()
    {
        var exception = Assert.Throws<UsageException>(() => RepositoryPath.ValidateFile(null));

        Assert.Equal("invalid repository path (null): a file path must not be empty", exception.Message);
    }

    [Fact]
    public void ValidateFile_SegmentLongerThan255Bytes_Throws()
    {
        var path = "a/" + new string('é', 128); // 256 bytes in UTF-8

        var exception = Assert.Throws<UsageException>(() => RepositoryPath.ValidateFile(path));

        Assert.Equal($"invalid repository path '{path}': a segment is longer than 255 bytes", exception.Message);
        Assert.Equal(new string('x', 255), RepositoryPath.ValidateFile(new string('x', 255)));
    }

    [Fact]
    public void ValidateFile_LoneSurrogate_Throws()
    {
        var exception = Assert.Throws<UsageException>(() => RepositoryPath.ValidateFile("a\ud800b"));

        Assert.EndsWith(": it is not valid Unicode", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("backup", "backup")]
    [InlineData("backup/", "backup")]
    [InlineData("wal/0000000100000000", "wal/0000000100000000")]
    public void ValidateFolder_ValidPrefix_ReturnsNormalised(string prefix, string expected)
    {
        Assert.Equal(expected, RepositoryPath.ValidateFolder(prefix));
    }

    [Theory]
    [InlineData("/", "invalid repository path '/': it is absolute (use \"\" for the repository root)")]
    [InlineData("/backup", "invalid repository path '/backup': it is absolute")]
    [InlineData("..", "invalid repository path '..': it contains a '..' segment")]
    [InlineData("../", "invalid repository path '../': it contains a '..' segment")]
    [InlineData("a/../..", "invalid repository path 'a/../..': it contains a '..' segment")]
    [InlineData("a//", "invalid repository path 'a//': it contains an empty segment")]
    [InlineData("./", "invalid repository path './': it contains a '.' segment")]
    public void ValidateFolder_InvalidPrefix_ThrowsUsageExceptionNamingThePath(string prefix, string message)
    {
        var exception = Assert.Throws<UsageException>(() => RepositoryPath.ValidateFolder(prefix));

        Assert.Equal(message, exception.Message);
    }

    [Fact]
    public void ValidateFolder_Null_ThrowsUsageException()
    {
        var exception = Assert.Throws<UsageException>(() => RepositoryPath.ValidateFolder(null));

        Assert.Equal("invalid repository path (null): a folder path must not be null (use \"\" for the repository root)", exception.Message);
    }

    [Theory]
    [InlineData("", "a", "a")]
    [InlineData("backup", "x/y", "backup/x/y")]
    public void Combine_FolderAndPath_JoinsWithSlash(string folder, string path, string expected)
    {
        Assert.Equal(expected, RepositoryPath.Combine(folder, path));
    }

    [Theory]
    [InlineData("a", "", "a")]
    [InlineData("a/b/c.gz", "a/b", "c.gz")]
    public void GetFolderAndGetName_ValidPath_SplitAtLastSlash(string path, string folder, string name)
    {
        Assert.Equal(folder, RepositoryPath.GetFolder(path));
        Assert.Equal(name, RepositoryPath.GetName(path));
    }
}
