using PgArk.Core.Configuration;

namespace PgArk.Tests.Configuration;

public class ConnectionStringsTests
{
    [Theory]
    [InlineData("Host=h;Username=u;Password=secret", "Host=h;Username=u;Password=***")]
    [InlineData("Host=h;password=secret;Port=5432", "Host=h;password=***;Port=5432")]
    [InlineData("Host=h; PWD = secret ;Port=1", "Host=h; PWD =***;Port=1")]
    [InlineData("PSW=secret", "PSW=***")]
    [InlineData("Host=h;SSL Password=secret", "Host=h;SSL Password=***")]
    [InlineData("Host=h;Password=\"se;cr\"\"et\";Port=1", "Host=h;Password=***;Port=1")]
    [InlineData("Host=h;Password='se;cret'", "Host=h;Password=***")]
    [InlineData("Host=h;Password=se;cret;Port=1", "Host=h;Password=***;***;Port=1")]
    [InlineData("Host=h;Username=u;", "Host=h;Username=u;")]
    [InlineData("Host=h;Application Name=a==b", "Host=h;Application Name=a==b")]
    [InlineData("", "")]
    public void Redact_MasksPasswordValues(string connectionString, string expected)
    {
        Assert.Equal(expected, ConnectionStrings.Redact(connectionString));
    }

    [Fact]
    public void ServerOptions_ToString_RedactsConnection()
    {
        var server = new ServerOptions("pg1", "Host=h;Password=hunter2", "/d", ["local"], null, 15);

        var text = server.ToString();

        Assert.Equal(
            "ServerOptions { Name = pg1, Connection = Host=h;Password=***, PgData = /d, Repositories = [local], PgBin = , PgVersion = 15 }",
            text);
    }

    [Fact]
    public void PgArkOptions_ToString_DoesNotLeakPasswords()
    {
        var options = ConfigLoader.Parse(
            """
            repositories: [{ name: local, path: /r }]
            servers: [{ name: pg1, connection: "Host=h", passwordEnv: PW, pgdata: /d }]
            """,
            "/x/pgark.yaml",
            name => name == "PW" ? "hunter2" : null);

        Assert.Contains("hunter2", options.Servers[0].Connection, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", options.Servers[0].ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", string.Join(",", options.Servers), StringComparison.Ordinal);
    }
}
