using System.Globalization;
using PgArk.Core.Errors;

namespace PgArk.Core.Postgres;

/// <summary>The fields of a backup_label file that PgArk needs (start WAL, timeline, checkpoint).</summary>
internal sealed record BackupLabel(Lsn StartLsn, string StartWalFile, Lsn CheckpointLsn, uint StartTimeline)
{
    public static BackupLabel Parse(string text)
    {
        Lsn? start = null, checkpoint = null;
        string? startFile = null;
        uint? timeline = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("START WAL LOCATION: ", StringComparison.Ordinal))
            {
                // START WAL LOCATION: 0/2000028 (file 000000010000000000000002)
                var rest = line["START WAL LOCATION: ".Length..];
                var space = rest.IndexOf(' ', StringComparison.Ordinal);
                start = Lsn.Parse(space < 0 ? rest : rest[..space]);
                var fileAt = rest.IndexOf("(file ", StringComparison.Ordinal);
                if (fileAt >= 0)
                {
                    startFile = rest.Substring(fileAt + 6, 24);
                }
            }
            else if (line.StartsWith("CHECKPOINT LOCATION: ", StringComparison.Ordinal))
            {
                checkpoint = Lsn.Parse(line["CHECKPOINT LOCATION: ".Length..].Trim());
            }
            else if (line.StartsWith("START TIMELINE: ", StringComparison.Ordinal))
            {
                timeline = uint.Parse(line["START TIMELINE: ".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }
        if (start is null || startFile is null || checkpoint is null || timeline is null)
        {
            throw new IntegrityException("backup_label returned by PostgreSQL is missing START WAL LOCATION, CHECKPOINT LOCATION or START TIMELINE");
        }
        return new BackupLabel(start.Value, startFile, checkpoint.Value, timeline.Value);
    }
}
