using PgArk.Core.Configuration;
using PgArk.Core.Errors;

namespace PgArk.Tests.Configuration;

/// <summary>Tests that set real process environment variables: never run in parallel with anything else.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentVariableCollection
{
    public const string Name = "Process environment variables";
}

/// <summary>Sets environment variables for one test and restores their previous values on dispose.</summary>
internal sealed class EnvironmentScope : IDisposable
{
    private readonly Dictionary<string, string?> _saved = [];

    public void Set(string name, string? value)
    {
        if (!_saved.ContainsKey(name))
        {
            _saved[name] = Environment.GetEnvironmentVariable(name);
        }

        Environment.SetEnvironmentVariable(name, value);
    }

    public void Dispose()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }
}

[Collection(EnvironmentVariableCollection.Name)]
public sealed class ConfigEnvironmentTests : IDisposable
{
    private const string Yaml = """
        repositories: [{ name: local, path: /r }]
        servers: [{ name: pg1, connectionEnv: PGARK_TEST_PG1_CONNECTION, passwordEnv: PGARK_TEST_PG1_PASSWORD, pgdata: /d }]
        """;

    private readonly TempFolder _temp = new();
    private readonly EnvironmentScope _environment = new();

    public void Dispose()
    {
        _environment.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public void Load_PgarkConfigSet_LoadsThatFileAndResolvesSecretsFromProcessEnvironment()
    {
        var file = _temp.Write("custom.yaml", Yaml);
        _environment.Set("PGARK_CONFIG", file);
        _environment.Set("PGARK_TEST_PG1_CONNECTION", "Host=db;Username=backup");
        _environment.Set("PGARK_TEST_PG1_PASSWORD", "pw");

        var options = ConfigLoader.Load(null);

        Assert.Equal(file, options.SourcePath);
        Assert.Equal("Host=db;Username=backup;Password=pw", options.Servers[0].Connection);
    }

    [Fact]
    public void Load_ExplicitPath_WinsOverPgarkConfig()
    {
        var explicitFile = _temp.Write("explicit.yaml", Yaml);
        _environment.Set("PGARK_CONFIG", _temp.Write("env.yaml", "not: [valid"));
        _environment.Set("PGARK_TEST_PG1_CONNECTION", "Host=db");
        _environment.Set("PGARK_TEST_PG1_PASSWORD", "pw");

        Assert.Equal(explicitFile, ConfigLoader.Load(explicitFile).SourcePath);
    }

    [Fact]
    public void Load_PgarkConfigMissingFile_NamesIt()
    {
        var missing = Path.Combine(_temp.Path, "missing.yaml");
        _environment.Set("PGARK_CONFIG", missing);

        var e = Assert.Throws<ConfigurationException>(() => ConfigLoader.Load(null));

        Assert.Equal($"configuration file '{missing}' does not exist", e.Message);
    }

    [Fact]
    public void Parse_SecretVariablesUnset_NamesThemWithoutValues()
    {
        _environment.Set("PGARK_TEST_PG1_CONNECTION", null);
        _environment.Set("PGARK_TEST_PG1_PASSWORD", null);

        var e = Assert.Throws<ConfigurationException>(() => ConfigLoader.Parse(Yaml, "/x/pgark.yaml"));

        Assert.Equal(
            "invalid configuration /x/pgark.yaml:\n"
            + "  servers[0].connectionEnv: environment variable 'PGARK_TEST_PG1_CONNECTION' is not set or is empty",
            e.Message);
    }
}
