using PgArk.Core.Configuration;
using PgArk.Core.Errors;

namespace PgArk.Tests.Configuration;

/// <summary>Lookup order through the injectable overloads: no process-wide state is touched.</summary>
public sealed class ConfigLookupTests : IDisposable
{
    private const string Yaml = """
        repositories: [{ name: local, path: /r }]
        servers: [{ name: pg1, connection: "Host=h", pgdata: /d }]
        """;

    private readonly TempFolder _temp = new();
    private readonly Dictionary<string, string> _environment = [];

    public void Dispose() => _temp.Dispose();

    private string Cwd => Path.Combine(_temp.Path, "cwd");

    private string SystemFile => Path.Combine(_temp.Path, "etc", "pgark.yaml");

    private string Locate(string? explicitPath) =>
        ConfigLoader.Locate(explicitPath, name => _environment.GetValueOrDefault(name), Cwd, SystemFile);

    [Fact]
    public void Locate_EveryCandidatePresent_PrefersExplicitPath()
    {
        var explicitFile = _temp.Write("explicit.yaml", Yaml);
        _environment["PGARK_CONFIG"] = _temp.Write("env.yaml", Yaml);
        _temp.Write("cwd/pgark.yaml", Yaml);
        _temp.Write("etc/pgark.yaml", Yaml);

        Assert.Equal(explicitFile, Locate(explicitFile));
    }

    [Fact]
    public void Locate_NoExplicitPath_PrefersEnvironmentVariable()
    {
        var envFile = _temp.Write("env.yaml", Yaml);
        _environment["PGARK_CONFIG"] = envFile;
        _temp.Write("cwd/pgark.yaml", Yaml);
        _temp.Write("etc/pgark.yaml", Yaml);

        Assert.Equal(envFile, Locate(null));
    }

    [Fact]
    public void Locate_NoExplicitOrEnvironment_PrefersCurrentDirectory()
    {
        var cwdFile = _temp.Write("cwd/pgark.yaml", Yaml);
        _temp.Write("etc/pgark.yaml", Yaml);

        Assert.Equal(cwdFile, Locate(""));
    }

    [Fact]
    public void Locate_OnlySystemFile_UsesIt()
    {
        Directory.CreateDirectory(Cwd);
        var systemFile = _temp.Write("etc/pgark.yaml", Yaml);

        Assert.Equal(systemFile, Locate(null));
    }

    [Fact]
    public void Locate_RelativeExplicitPath_ResolvesAgainstCurrentDirectory()
    {
        var file = _temp.Write("cwd/conf/my.yaml", Yaml);

        Assert.Equal(file, Locate("conf/my.yaml"));
    }

    [Fact]
    public void Locate_NothingFound_ListsWhereItLooked()
    {
        var e = Assert.Throws<ConfigurationException>(() => Locate(null));

        Assert.Equal($"no configuration file found (looked in: {Cwd}/pgark.yaml, {SystemFile})", e.Message);
        Assert.Equal("pass --config FILE, set $PGARK_CONFIG, or run 'pgark quickstart' to try PgArk on a sandbox", e.Hint);
    }

    [Fact]
    public void Locate_ExplicitPathMissing_NamesItEvenWhenOthersExist()
    {
        _temp.Write("cwd/pgark.yaml", Yaml);
        var missing = Path.Combine(_temp.Path, "nope.yaml");

        var e = Assert.Throws<ConfigurationException>(() => Locate(missing));

        Assert.Equal($"configuration file '{missing}' does not exist", e.Message);
        Assert.Equal("check the --config argument", e.Hint);
    }

    [Fact]
    public void Locate_ExplicitPathIsDirectory_SaysSo()
    {
        var e = Assert.Throws<ConfigurationException>(() => Locate(_temp.Path));

        Assert.Equal($"configuration file '{_temp.Path}' is a directory", e.Message);
    }

    [Fact]
    public void Locate_EnvironmentVariableNamesMissingFile_FailsInsteadOfFallingBack()
    {
        _temp.Write("cwd/pgark.yaml", Yaml);
        var missing = Path.Combine(_temp.Path, "nope.yaml");
        _environment["PGARK_CONFIG"] = missing;

        var e = Assert.Throws<ConfigurationException>(() => Locate(null));

        Assert.Equal($"configuration file '{missing}' does not exist", e.Message);
        Assert.Equal("the file is named by $PGARK_CONFIG; fix or unset it", e.Hint);
    }

    [Fact]
    public void Load_ValidFile_SourcePathIsTheFullPath()
    {
        var file = _temp.Write("cwd/pgark.yaml", Yaml);

        var options = ConfigLoader.Load(null, name => _environment.GetValueOrDefault(name), Cwd, SystemFile);

        Assert.Equal(file, options.SourcePath);
        Assert.Equal("pg1", options.Servers[0].Name);
    }

    [Fact]
    public void Load_InvalidFile_MessageNamesTheFile()
    {
        var file = _temp.Write("cwd/pgark.yaml", "servers: []\n");

        var e = Assert.Throws<ConfigurationException>(
            () => ConfigLoader.Load(null, name => _environment.GetValueOrDefault(name), Cwd, SystemFile));

        Assert.Equal(
            $"invalid configuration {file}:\n  repositories: required\n  servers: at least one server is required",
            e.Message);
    }
}
