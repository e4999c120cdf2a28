using System.Text.RegularExpressions;

namespace PgArk.Assistant.Parsing;

/// <summary>The words of a request (original case), and which of them may name a database.</summary>
internal static partial class RequestWords
{
    /// <summary>Words after which a database name usually comes.</summary>
    private static readonly HashSet<string> s_slots = new(StringComparer.Ordinal)
    {
        "for", "of", "on", "in", "from", "into", "restore", "recover", "database", "db", "backup", "back", "up", "dump", "verify",
        "rollback", "pitr", "rewind", "revert", "snapshot",
    };

    /// <summary>Words that are never database names.</summary>
    private static readonly HashSet<string> s_common = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "my", "our", "this", "that", "these", "those", "all", "every", "everything", "each", "both", "please", "now", "me",
        "database", "databases", "db", "dbs", "server", "servers", "cluster", "clusters", "backup", "backups", "snapshot", "snapshots",
        "full", "diff", "differential", "incr", "incremental", "wal", "latest", "last", "newest", "recent", "most", "state", "time", "point",
        "restore", "recover", "to", "for", "of", "on", "in", "from", "into", "at", "as", "it", "is", "was", "and", "or", "with", "without",
        "replace", "replacing", "overwrite", "place", "keep", "keeping", "copy", "old", "one", "dump", "dumps", "logical", "table", "tables",
        "csv", "json", "schema", "data", "only", "yesterday", "today", "ago", "hours", "hour", "minutes", "minute", "days", "day", "weeks",
        "week", "night", "morning", "afternoon", "before", "after", "again", "then", "up", "back", "run", "take", "make", "create", "trigger",
        "verify", "check", "can", "i", "we", "you", "how", "far", "what", "which", "show", "list", "new", "fresh", "quick", "another",
        "current", "version", "earlier", "previous", "conflict", "skip", "update", "error", "rows", "row", "first", "limit", "top",
        "pitr", "rollback", "rewind", "revert", "going", "go", "do", "be", "will", "would", "should", "need", "want", "some",
        "pg_dump", "pg_restore", "schedule", "test", "drill", "health", "status", "dry", "run", "please", "it's", "its", "window",
    };

    public static IReadOnlyList<string> Split(string text) =>
        WordPattern().Matches(text).Select(m => m.Value.TrimEnd('.', ':', '-')).Where(w => w.Length > 0).ToList();

    /// <summary>Words that may name a database: not a common word, and after a slot word or shaped like a name (see <see cref="IsShaped"/>).</summary>
    public static IEnumerable<string> DatabaseCandidates(IReadOnlyList<string> words)
    {
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            var lower = word.ToLowerInvariant();
            if (s_common.Contains(lower) || word.Contains('/', StringComparison.Ordinal) || !char.IsAsciiLetter(word[0]) || word.Length < 2)
            {
                continue;
            }
            var shaped = IsShaped(word);
            var afterSlot = i > 0 && (s_slots.Contains(words[i - 1].ToLowerInvariant())
                || (i > 1 && s_slots.Contains(words[i - 2].ToLowerInvariant()) && s_common.Contains(words[i - 1].ToLowerInvariant())));
            // "the custmer database": a word before "database" names one, known or not.
            afterSlot |= i + 1 < words.Count && IsDatabaseNoun(words[i + 1]);
            if (shaped || afterSlot)
            {
                yield return word;
            }
        }
    }

    /// <summary>Shaped like a database name (customer_db, hrdb): unknown ones are reported rather than ignored.</summary>
    public static bool IsShaped(string word) =>
        word.Contains('_', StringComparison.Ordinal) || word.EndsWith("db", StringComparison.OrdinalIgnoreCase);

    /// <summary>"database", "db": the noun after a database's stem ("the sales database").</summary>
    public static bool IsDatabaseNoun(string word) => word.ToLowerInvariant() is "database" or "db";

    public static bool IsCommon(string word) => s_common.Contains(word.ToLowerInvariant());

    [GeneratedRegex(@"[A-Za-z0-9_./\-:~]+")]
    private static partial Regex WordPattern();
}
