using System.Text.RegularExpressions;

namespace PgArk.Assistant.Parsing;

/// <summary>What a request asks for, recognised from keywords in a fixed order (the first rule that matches wins).</summary>
internal static partial class Intent
{
    public const string Help = "help";

    private static readonly (Regex Pattern, string Operation)[] s_rules =
    [
        (HelpPattern(), Help),
        (WindowPattern(), "info"),
        (SchedulePattern(), "schedule"),
        (ExportPattern(), "export_table"),
        (ImportPattern(), "import_table"),
        (ListDumpsPattern(), "list_dumps"),
        (DumpRestorePattern(), "dump_restore"),
        (DumpPattern(), "dump"),
        (VerifyRestorePattern(), "verify_restore"),
        (VerifyPattern(), "verify"),
        (ExpirePattern(), "expire"),
        (DeleteBackupPattern(), "delete_backup"),
        (HealthPattern(), "health"),
        (TableRestorePattern(), "restore_table"),
        (RestorePattern(), "restore_database"),
        (CreateBackupPattern(), "backup"),
        (ListBackupsPattern(), "list_backups"),
        (ListDatabasesPattern(), "list_databases"),
        (InfoPattern(), "info"),
        (BackupNounPattern(), "backup"),
    ];

    /// <summary>The registry operation a request asks for, <see cref="Help"/>, or null when nothing matches.</summary>
    public static string? Recognize(string lowerText)
    {
        foreach (var (pattern, operation) in s_rules)
        {
            if (pattern.IsMatch(lowerText))
            {
                return operation;
            }
        }
        return null;
    }

    [GeneratedRegex(@"^\s*(?:help|\?|what can you do|what do you do|commands|usage)\b")]
    private static partial Regex HelpPattern();

    [GeneratedRegex(@"how far back|how far can|recoverable|recovery window|restore window|restorable|earliest (?:point|time|restore)|oldest (?:point|restore|time)|point.in.time range|how old")]
    private static partial Regex WindowPattern();

    [GeneratedRegex(@"\bschedul|next (?:backup|run|full|incremental)|when (?:is|will|does|do) .*\b(?:backup|run)|\bcron\b|\bplanned\b")]
    private static partial Regex SchedulePattern();

    [GeneratedRegex(@"\bexport\b|\bextract\b.*\btable\b|\bdownload\b.*\b(?:table|rows)\b")]
    private static partial Regex ExportPattern();

    [GeneratedRegex(@"\bimport\b|\bupload\b.*\binto\b|\bload\b.*\binto\b")]
    private static partial Regex ImportPattern();

    [GeneratedRegex(@"\b(?:list|show|what|which|any|see|view|get)\b.*\bdumps\b|^dumps\b")]
    private static partial Regex ListDumpsPattern();

    [GeneratedRegex(@"\b(?:restore|recover|reload)\b.*\bdump\b|\bdump.?restore\b|\bfrom (?:the |a )?(?:latest |last |newest )?(?:logical )?dump\b")]
    private static partial Regex DumpRestorePattern();

    [GeneratedRegex(@"\bdump\b|\bpg_dump\b|\blogical (?:backup|export)\b|\bsql backup\b")]
    private static partial Regex DumpPattern();

    [GeneratedRegex(@"\bverify.?restore|\btest.?restore|\brestore.?(?:test|drill|check)|\btrial restore|\bcan (?:i|we) (?:actually )?restore\b.*\bprove\b|\brestore (?:actually )?works\b")]
    private static partial Regex VerifyRestorePattern();

    [GeneratedRegex(@"\bverify\b|\bvalidate\b|\bvalidation\b|\bcheck\b.*\b(?:backups?|integrity|checksums?|repository|repo)\b|\bchecksums?\b|\bintegrity\b|\bcorrupt")]
    private static partial Regex VerifyPattern();

    [GeneratedRegex(@"\bexpire\b|\bprune\b|\bretention\b|\bclean ?up\b|\bpurge\b|\b(?:delete|remove|drop)\b.*\b(?:old|expired|obsolete|outdated)\b")]
    private static partial Regex ExpirePattern();

    [GeneratedRegex(@"\b(?:delete|remove|drop|discard)\b.*\bbackup\b")]
    private static partial Regex DeleteBackupPattern();

    [GeneratedRegex(@"\bhealth|\bhealthy\b|\bstatus\b|\bis (?:\w+ )?(?:up|ok|okay|running|alive|reachable)\b|\barchiving (?:ok|working|healthy)|\bping\b|\beverything ok\b")]
    private static partial Regex HealthPattern();

    [GeneratedRegex(@"\b(?:restore|recover|bring back|roll ?back|rollback|revert|undo|put back|get back|rewind)\b.*\btables?\b|\btables?\b.*\b(?:as it was|as of|as they were)\b")]
    private static partial Regex TableRestorePattern();

    [GeneratedRegex(@"\brestore\b|\broll ?back\b|\brollback\b|\brecover\b|\brecovery\b|\bpitr\b|\bpoint.in.time\b|\brewind\b|\brevert\b|\bbring back\b|\bundo\b|\bgo back\b|\bput back\b|\breset\b.*\bto\b")]
    private static partial Regex RestorePattern();

    [GeneratedRegex(@"\b(?:create|take|make|run|trigger|start|do|perform|kick off|launch|fire|initiate|need|want|force|queue)\b.*\b(?:backups?|snapshots?)\b|\bback ?up\b|\bsnapshot\b(?!s)|^backup\b")]
    private static partial Regex CreateBackupPattern();

    [GeneratedRegex(@"\b(?:list|show|display|get|what|which|any|see|view|enumerate|how many|available|existing|recent)\b.*\b(?:backups|snapshots)\b|\bbackups\b.*\b(?:available|exist|there)\b|^backups\b|\blist_backups\b")]
    private static partial Regex ListBackupsPattern();

    [GeneratedRegex(@"\b(?:list|show|which|what)\b.*\bdatabases\b|\bwhere (?:is|does|do|are)\b|\bwhich server\b|\blist_databases\b")]
    private static partial Regex ListDatabasesPattern();

    [GeneratedRegex(@"\binfo\b|\bwal ranges?\b|\brepository info")]
    private static partial Regex InfoPattern();

    [GeneratedRegex(@"\b(?:full|diff|differential|incr|incremental)\b.*\bbackup\b|\bbackup\b")]
    private static partial Regex BackupNounPattern();
}
