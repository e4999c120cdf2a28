using PgArk.Core.Postgres;

namespace PgArk.Tests.Postgres;

public class BackupLabelTests
{
    [Fact]
    public void Parse_Pg15Label()
    {
        const string text = """
            START WAL LOCATION: 0/2000028 (file 000000010000000000000002)
            CHECKPOINT LOCATION: 0/2000060
            BACKUP METHOD: streamed
            BACKUP FROM: primary
            START TIME: 2026-11-21 10:00:00 UTC
            LABEL: pgark 20261121-100000F
            START TIMELINE: 1

            """;
        var label = BackupLabel.Parse(text);
        Assert.Equal(Lsn.Parse("0/2000028"), label.StartLsn);
        Assert.Equal("000000010000000000000002", label.StartWalFile);
        Assert.Equal(Lsn.Parse("0/2000060"), label.CheckpointLsn);
        Assert.Equal(1u, label.StartTimeline);
    }
}
