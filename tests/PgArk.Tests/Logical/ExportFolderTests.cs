using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Logical;
using PgArk.Tests.TestDoubles;

namespace PgArk.Tests.Logical;

public sealed class ExportFolderTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();
    private readonly ExportsOptions _exports;
    private readonly string _outside;

    public ExportFolderTests()
    {
        Directory.CreateDirectory(_folder.Combine("exports", "sub"));
        Directory.CreateDirectory(_folder.Combine("secret"));
        File.WriteAllText(_folder.Combine("secret", "passwd"), "x");
        File.WriteAllText(_folder.Combine("exports", "sub", "in.csv"), "a\n");
        _exports = new ExportsOptions(_folder.Combine("exports"));
        _outside = _folder.Combine("secret");
    }

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("out.csv")]
    [InlineData("sub/out.json")]
    [InlineData("./sub/../out.csv")]
    public void Resolve_NameInsideTheFolder_IsTakenInsideIt(string given)
    {
        var path = ExportFolder.Resolve(_exports, given, forWrite: true);
        Assert.StartsWith(_exports.Path + "/", path, StringComparison.Ordinal);
        Assert.Equal(Path.GetFullPath(given, _exports.Path), path);
    }

    [Fact]
    public void Resolve_AbsolutePathInsideTheFolder_IsAccepted()
    {
        Assert.Equal(_folder.Combine("exports", "sub", "in.csv"), ExportFolder.Resolve(_exports, _folder.Combine("exports", "sub", "in.csv"), forWrite: false));
    }

    [Theory]
    [InlineData("../secret/passwd")]
    [InlineData("sub/../../secret/passwd")]
    [InlineData("..")]
    [InlineData(".")]
    public void Resolve_DotDotOutOfTheFolder_IsRefused(string given)
    {
        var ex = Assert.Throws<RefusedException>(() => ExportFolder.Resolve(_exports, given, forWrite: false));
        Assert.Equal($"'{given}' is outside the export folder '{_exports.Path}'", ex.Message);
        Assert.Equal(4, ex.ExitCode);
    }

    [Fact]
    public void Resolve_AbsolutePathElsewhere_IsRefused()
    {
        var ex = Assert.Throws<RefusedException>(() => ExportFolder.Resolve(_exports, "/etc/passwd", forWrite: false));
        Assert.Equal($"'/etc/passwd' is outside the export folder '{_exports.Path}'", ex.Message);
    }

    [Fact]
    public void Resolve_SymbolicLinksPointingOut_AreRefusedForFilesAndFolders()
    {
        File.CreateSymbolicLink(_folder.Combine("exports", "link.csv"), _folder.Combine("secret", "passwd"));
        Directory.CreateSymbolicLink(_folder.Combine("exports", "out"), _outside);
        var file = Assert.Throws<RefusedException>(() => ExportFolder.Resolve(_exports, "link.csv", forWrite: false));
        Assert.Equal($"'link.csv' is outside the export folder '{_exports.Path}' through a symbolic link", file.Message);
        var write = Assert.Throws<RefusedException>(() => ExportFolder.Resolve(_exports, "link.csv", forWrite: true));
        Assert.Contains("through a symbolic link", write.Message, StringComparison.Ordinal);
        var folder = Assert.Throws<RefusedException>(() => ExportFolder.Resolve(_exports, "out/new.csv", forWrite: true));
        Assert.Equal($"'out/new.csv' is outside the export folder '{_exports.Path}' through a symbolic link", folder.Message);
    }

    [Fact]
    public void Resolve_NoExportFolderConfigured_IsRefused()
    {
        var ex = Assert.Throws<RefusedException>(() => ExportFolder.Resolve(null, "out.csv", forWrite: true));
        Assert.Equal("export and import through the API are disabled: no export folder is configured", ex.Message);
    }

    [Fact]
    public void Resolve_MissingFileForReadOrMissingFolderForWrite_IsNotFound()
    {
        Assert.Throws<NotFoundException>(() => ExportFolder.Resolve(_exports, "nope.csv", forWrite: false));
        Assert.Throws<NotFoundException>(() => ExportFolder.Resolve(_exports, "nofolder/x.csv", forWrite: true));
    }

    [Fact]
    public void OpenRead_FileSwappedForALinkAfterTheCheck_Refused_OutsideFileNotRead()
    {
        var checkedPath = ExportFolder.Resolve(_exports, "sub/in.csv", forWrite: false);
        // The race import must win: between the check and the open, the file becomes a link to a secret outside.
        File.Delete(checkedPath);
        File.CreateSymbolicLink(checkedPath, _folder.Combine("secret", "passwd"));
        var accessedBefore = File.GetLastAccessTimeUtc(_folder.Combine("secret", "passwd"));

        var refused = Assert.Throws<RefusedException>(() => ExportFolder.OpenRead(_exports, checkedPath));

        Assert.Equal($"'{checkedPath}' is outside the export folder '{_exports.Path}' through a symbolic link", refused.Message);
        Assert.Equal(accessedBefore, File.GetLastAccessTimeUtc(_folder.Combine("secret", "passwd")));
    }

    [Fact]
    public void OpenRead_FolderSwappedForALinkAfterTheCheck_Refused()
    {
        var checkedPath = ExportFolder.Resolve(_exports, "sub/in.csv", forWrite: false);
        Directory.Move(_folder.Combine("exports", "sub"), _folder.Combine("exports-old-sub"));
        Directory.CreateDirectory(_folder.Combine("elsewhere"));
        File.WriteAllText(_folder.Combine("elsewhere", "in.csv"), "secret\n");
        Directory.CreateSymbolicLink(_folder.Combine("exports", "sub"), _folder.Combine("elsewhere"));

        var refused = Assert.Throws<RefusedException>(() => ExportFolder.OpenRead(_exports, checkedPath));

        Assert.Contains("through a symbolic link", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenRead_CheckedFileUnchanged_ReadsIt()
    {
        var checkedPath = ExportFolder.Resolve(_exports, "sub/in.csv", forWrite: false);
        using var stream = ExportFolder.OpenRead(_exports, checkedPath);
        using var reader = new StreamReader(stream);
        Assert.Equal("a\n", reader.ReadToEnd());
    }
}
