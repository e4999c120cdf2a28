using PgArk.Core.Logical;

namespace PgArk.Tests.Logical;

/// <summary>pg_dump, pg_restore and psql get the connection's TLS settings, not libpq's sslmode=prefer.</summary>
public class PgClientEnvironmentTests
{
    [Fact]
    public void LibpqEnvironment_TlsSettings_ReachEveryClientProgram()
    {
        var environment = PgClient.LibpqEnvironment(
            "Host=db.example.com;Port=5432;Username=backup;Password=s3cret;SSL Mode=VerifyFull;Root Certificate=/etc/pgark/ca.pem;"
            + "SSL Certificate=/etc/pgark/client.pem;SSL Key=/etc/pgark/client.key;Passfile=/etc/pgark/pgpass");

        Assert.Equal(new Dictionary<string, string>
        {
            ["PGSSLMODE"] = "verify-full", ["PGPASSWORD"] = "s3cret", ["PGSSLROOTCERT"] = "/etc/pgark/ca.pem",
            ["PGSSLCERT"] = "/etc/pgark/client.pem", ["PGSSLKEY"] = "/etc/pgark/client.key", ["PGPASSFILE"] = "/etc/pgark/pgpass",
        }, environment);
    }

    [Theory]
    [InlineData("Disable", "disable")]
    [InlineData("Require", "require")]
    [InlineData("VerifyCA", "verify-ca")]
    public void LibpqEnvironment_SslMode_Mapped(string npgsql, string libpq)
    {
        var environment = PgClient.LibpqEnvironment($"Host=/tmp;SSL Mode={npgsql}");
        Assert.Equal(libpq, environment["PGSSLMODE"]);
        Assert.False(environment.ContainsKey("PGPASSWORD"));
    }
}
