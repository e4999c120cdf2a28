using PgArk.Core.Configuration;

using static PgArk.Tests.Configuration.ConfigText;

namespace PgArk.Tests.Configuration;

public class RestorePrefetchConfigTests
{
    private const string Server = """
        repositories:
          - name: local
            path: /var/lib/pgark/repo
        servers:
          - name: main
            connection: "Host=h"
            pgdata: /d

        """;

    [Fact]
    public void Parse_NoRestoreKey_PrefetchesEightSegments() =>
        Assert.Equal(ServerOptions.DefaultRestorePrefetch, Parse(Server).Servers[0].RestorePrefetch);

    [Theory]
    [InlineData(0)]
    [InlineData(32)]
    public void Parse_RestorePrefetch_Taken(int prefetch) =>
        Assert.Equal(prefetch, Parse(Server + $"    restore: {{ prefetch: {prefetch} }}\n").Servers[0].RestorePrefetch);

    [Fact]
    public void Parse_NegativePrefetchOrUnknownKey_ReportedWithPath()
    {
        var message = ParseError(Server + "    restore: { prefetch: -1, queue: 3 }\n");
        Assert.Contains("servers[0].restore.prefetch: must be 0 (off) to 256 segments (got -1)", message, StringComparison.Ordinal);
        Assert.Contains("servers[0].restore", message, StringComparison.Ordinal);
        Assert.Contains("queue", message, StringComparison.Ordinal);
    }
}
