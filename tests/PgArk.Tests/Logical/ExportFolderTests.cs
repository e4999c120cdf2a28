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
}
