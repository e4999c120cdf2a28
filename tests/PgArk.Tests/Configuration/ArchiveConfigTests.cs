using PgArk.Core.Configuration;

using static PgArk.Tests.Configuration.ConfigText;

namespace PgArk.Tests.Configuration;

public class ArchiveConfigTests
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
    public void Parse_NoArchiveKey_SynchronousWithDefaultSpoolInDataDirectory()
    {
        var archive = Parse(Server).Servers[0].ArchiveOrDefault;
        Assert.False(archive.Async);
        Assert.Equal("/d/pgark_archive_spool", archive.Spool);
        Assert.Equal(ArchiveOptions.DefaultProcesses, archive.Processes);
        Assert.Equal(TimeSpan.FromSeconds(60), archive.Timeout);
    }

    [Fact]
    public void Parse_AsyncWithSpoolProcessesTimeout_Taken()
    {
        var archive = Parse(Server + "    archive: { async: true, spool: /var/spool/pgark, processes: 8, timeout: 15 }\n").Servers[0].ArchiveOrDefault;
        Assert.Equal(new ArchiveOptions(true, "/var/spool/pgark", 8, TimeSpan.FromSeconds(15)), archive);
    }

    [Fact]
    public void Parse_BadArchiveValues_EachReportedWithPath()
    {
        var message = ParseError(Server + "    archive: { async: yes, spool: relative, processes: 0, timeout: 0, queue: 1 }\n");
        Assert.Contains("servers[0].archive.async: must be true or false (got 'yes')", message, StringComparison.Ordinal);
        Assert.Contains("servers[0].archive.spool: 'relative' is not an absolute path", message, StringComparison.Ordinal);
        Assert.Contains("servers[0].archive.processes: must be 1 to 32 (got 0)", message, StringComparison.Ordinal);
        Assert.Contains("servers[0].archive.timeout: must be 1 to 86400 seconds (got 0)", message, StringComparison.Ordinal);
        Assert.Contains("queue", message, StringComparison.Ordinal);
    }
}
