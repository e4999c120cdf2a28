using PgArk.Core.Postgres;
using PgArk.Core.Restore;

namespace PgArk.Tests.Restore;

public class RecoverySettingsTests
{
    private const string Command = "'/usr/bin/pgark' --config '/etc/pgark/pg''ark.yaml' archive-get --server pg1 %f \"%p\"";

    [Fact]
    public void Build_TimeTarget_WritesUtcTimeActionAndLatestTimeline()
    {
        var options = new RestoreOptions("/data", RestoreTarget.AtTime(new DateTimeOffset(2026, 11, 21, 10, 30, 0, TimeSpan.FromHours(2))), Command,
            TargetAction: TargetAction.Promote);
        Assert.Equal(
            [
                "restore_command = '''/usr/bin/pgark'' --config ''/etc/pgark/pg''''ark.yaml'' archive-get --server pg1 %f \"%p\"'",
                "recovery_target_time = '2026-11-21 08:30:00.000000+00'",
                "recovery_target_timeline = 'latest'",
                "recovery_target_action = 'promote'",
            ],
            RecoverySettings.Build(options, "20261121-080000F"));
    }

    [Fact]
    public void Quote_BackslashAndQuote_EscapedForPostgresqlConf()
    {
        // PostgreSQL's configuration lexer turns \\ into \ and '' into ': the value must survive both.
        Assert.Equal(@"'C:\\dir\\it''s here'", RecoverySettings.Quote(@"C:\dir\it's here"));
    }

    [Theory]
    [InlineData(null, "latest")]
    [InlineData("current", "current")]
    [InlineData(" Latest ", "latest")]
    [InlineData("3", "3")]
    public void Build_TargetTimeline_Written(string? given, string expected)
    {
        var options = new RestoreOptions("/d", RestoreTarget.Immediate, "x", Timeline: given is null ? null : TargetTimeline.Parse(given));
        Assert.Contains($"recovery_target_timeline = '{expected}'", RecoverySettings.Build(options, "i"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("newest")]
    [InlineData("")]
    public void TargetTimeline_Invalid_IsUsageError(string text) =>
        Assert.Throws<PgArk.Core.Errors.UsageException>(() => TargetTimeline.Parse(text));

    [Fact]
    public void Build_Latest_HasNoTargetAndNoAction()
    {
        var settings = RecoverySettings.Build(new RestoreOptions("/data", RestoreTarget.Latest, "x", TargetAction: TargetAction.Promote), "id");
        Assert.Equal(["restore_command = 'x'", "recovery_target_timeline = 'latest'"], settings);
    }

    [Fact]
    public void Build_OtherTargets()
    {
        Assert.Contains("recovery_target_lsn = '0/3000060'", RecoverySettings.Build(new RestoreOptions("/d", RestoreTarget.AtLsn(Lsn.Parse("0/3000060")), "x"), "i"));
        Assert.Contains("recovery_target_xid = '1234'", RecoverySettings.Build(new RestoreOptions("/d", RestoreTarget.AtXid(1234), "x"), "i"));
        Assert.Contains("recovery_target_name = 'before ''upgrade'''", RecoverySettings.Build(new RestoreOptions("/d", RestoreTarget.AtName("before 'upgrade'"), "x"), "i"));
        Assert.Contains("recovery_target = 'immediate'", RecoverySettings.Build(new RestoreOptions("/d", RestoreTarget.Immediate, "x"), "i"));
    }

    [Fact]
    public async Task Write_ReplacesEarlierRecoverySettings_KeepsOthers()
    {
        var dir = Directory.CreateTempSubdirectory("pgark-recovery-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "postgresql.auto.conf"),
                "# Do not edit\nwork_mem = '64MB'\nrestore_command = 'old'\nrecovery_target_time = '2020-01-01'\n");
            await RecoverySettings.WriteAsync(dir.FullName, ["restore_command = 'new'"], "20261121-080000F", CancellationToken.None);
            var text = await File.ReadAllTextAsync(Path.Combine(dir.FullName, "postgresql.auto.conf"));
            Assert.Equal("# Do not edit\nwork_mem = '64MB'\n# recovery settings added by pgark restore of backup 20261121-080000F\nrestore_command = 'new'\n", text);
            Assert.True(File.Exists(Path.Combine(dir.FullName, "recovery.signal")));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
