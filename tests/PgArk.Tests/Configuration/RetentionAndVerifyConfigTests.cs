using PgArk.Core.Configuration;
using PgArk.Core.Errors;

using static PgArk.Tests.Configuration.ConfigText;

namespace PgArk.Tests.Configuration;

public class RetentionAndVerifyConfigTests
{

    private static string Yaml(string retention, string verify) => $"""
        repositories:
          - name: local
            path: /var/lib/pgark/repo
        {retention}
        servers:
          - name: pg1
            connection: "Host=/var/run/postgresql;Username=postgres"
            pgdata: /var/lib/postgresql/15/main
        {verify}
        """;

    [Fact]
    public void Parse_GrandfatherFatherSon_MapsDailyWeeklyMonthly()
    {
        var options = Parse(Yaml("    retention: { full: 2, daily: 7, weekly: 4, monthly: 12, archiveDays: 3 }", ""));
        Assert.Equal(new RetentionOptions(2, null, 3, null, 7, 4, 12), options.Repositories[0].Retention);
        Assert.True(options.Repositories[0].Retention.HasCalendarRules);
    }

    [Fact]
    public void Parse_BadCalendarCounts_ReportedWithPaths()
    {
        var message = ParseError(Yaml("    retention: { daily: 0, weekly: x, montly: 3 }", ""));
        Assert.Equal($"""
            invalid configuration {Source}:
              repositories[0].retention.montly: unknown key (did you mean 'monthly'?)
              repositories[0].retention.daily: must be a positive integer (got 0)
              repositories[0].retention.weekly: 'x' is not an integer
            """.ReplaceLineEndings("\n"), message);
    }

    [Fact]
    public void Parse_NoVerifySection_IsNull()
    {
        Assert.Null(Parse(Yaml("", "")).Servers[0].Verify);
    }

    [Fact]
    public void Parse_VerifySection_ExpressesTablesMinRowsAndNamedQueries()
    {
        var options = Parse(Yaml("", """
                verify:
                  amcheck: false
                  databases:
                    appdb:
                      tables: [users, orders, audit.events]
                      minRows: { users: 10, audit.events: 0 }
                      queries:
                        thirteen-tables: "SELECT count(*) = 13 FROM information_schema.tables WHERE table_schema = 'public'"
                        alembic: "SELECT version_num = '4f2e1a' FROM alembic_version"
                    postgres:
                      tables: [pg_catalog.pg_class]
            """));
        var verify = options.Servers[0].Verify!;
        Assert.False(verify.Amcheck);
        Assert.Equal(["appdb", "postgres"], verify.Databases.Select(d => d.Name));
        var appdb = verify.Databases[0];
        Assert.Equal(["users", "orders", "audit.events"], appdb.Tables);
        Assert.Equal(10, appdb.MinRows["users"]);
        Assert.Equal(0, appdb.MinRows["audit.events"]);
        Assert.Equal(["thirteen-tables", "alembic"], appdb.Queries.Keys);
        Assert.StartsWith("SELECT version_num", appdb.Queries["alembic"], StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BadVerifySection_ReportsEveryProblemWithItsPath()
    {
        var message = ParseError(Yaml("", """
                verify:
                  amcheck: maybe
                  tables: [x]
                  databases:
                    appdb:
                      tables: [users, users, a.b.c]
                      minRows: { users: -1 }
                      queries: { "bad name": "SELECT true", empty: "" }
                    other: [x]
                    nothing: {}
            """));
        Assert.Equal($"""
            invalid configuration {Source}:
              servers[0].verify.tables: unknown key (known keys: amcheck, databases)
              servers[0].verify.amcheck: 'maybe' is not true or false
              servers[0].verify.databases.appdb.tables[1]: table 'users' is listed twice
              servers[0].verify.databases.appdb.tables[2]: 'a.b.c' is not a table name (use table or schema.table)
              servers[0].verify.databases.appdb.minRows.users: expected a row count (an integer, 0 or more)
              servers[0].verify.databases.appdb.queries.bad name: check names are 1-63 letters, digits, '_' or '-'
              servers[0].verify.databases.appdb.queries.empty: expected an SQL query returning one boolean
              servers[0].verify.databases.other: expected a mapping with tables, minRows or queries
              servers[0].verify.databases.nothing: no checks: give tables, minRows or queries
            """.ReplaceLineEndings("\n"), message);
    }
}
