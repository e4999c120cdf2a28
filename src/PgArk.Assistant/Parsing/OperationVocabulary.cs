using PgArk.Core.Operations.Registry;

namespace PgArk.Assistant.Parsing;

/// <summary>
/// What the registry's declarations teach the parser: each operation's name (its words, "list_repositories" is "list
/// repositories"), command aliases and description. A request that spells an operation's name in order ("verify dump
/// 20250910-103000L", "list repositories") is that operation; one that only holds the name's words in any order, or
/// shares enough of its description's words, is recognised once the phrasing rules of <see cref="Intent"/> found nothing.
/// A new operation is therefore plannable without editing the parser.
/// </summary>
internal sealed class OperationVocabulary
{
    /// <summary>Request verbs that mean a name's first word.</summary>
    private static readonly Dictionary<string, string[]> s_synonyms = new(StringComparer.Ordinal)
    {
        ["list"] = ["show", "display", "which", "what", "see", "view", "get", "enumerate"],
        ["delete"] = ["remove", "drop", "discard", "erase"],
        ["verify"] = ["check", "validate"],
        ["notify"] = ["notification", "notifications", "alert", "send"],
        ["expire"] = ["prune", "purge"],
        ["init"] = ["initialise", "initialize", "initialize", "register", "set"],
    };

    /// <summary>Filler words allowed between two words of a name spelt in order ("verify the dump", "list my repositories").</summary>
    private static readonly HashSet<string> s_fillers = new(StringComparer.Ordinal)
    {
        "the", "a", "an", "my", "our", "all", "every", "each", "latest", "last", "newest", "old", "configured",
    };

    private readonly List<(RegisteredOperation Operation, string[] Words, HashSet<string> Described)> _entries;

    public OperationVocabulary(OperationRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _entries = registry.Operations
            .Select(o => (o, o.Name.Split('_'), Significant(RequestWords.Split(o.Description)).ToHashSet(StringComparer.Ordinal)))
            .ToList();
        Registry = registry;
    }

    public OperationRegistry Registry { get; }

    /// <summary>
    /// The operation whose name the request spells in order (the longest such name; "verify_dump_restore" before
    /// "verify_dump"), or a command alias; null when none.
    /// </summary>
    public string? Spelt(IReadOnlyList<string> lowerWords)
    {
        foreach (var (operation, words, _) in _entries.Where(e => e.Words.Length > 1).OrderByDescending(e => e.Words.Length))
        {
            if (InOrder(lowerWords, words))
            {
                return operation.Name;
            }
        }
        foreach (var (operation, _, _) in _entries)
        {
            // An alias is a command name ("dumps"): spelt exactly, since its stem is another operation's ("dump").
            if (operation.CommandAliases.Any(a => lowerWords.Contains(a, StringComparer.Ordinal)
                || (a.Contains('-', StringComparison.Ordinal) && InOrder(lowerWords, a.Split('-')))))
            {
                return operation.Name;
            }
        }
        return null;
    }

    /// <summary>
    /// The operation whose name's words all occur (the first through a synonym too), else the one whose description
    /// shares the most significant words with the request (at least two, and no tie); null when none.
    /// </summary>
    public string? Loosely(IReadOnlyList<string> lowerWords)
    {
        foreach (var synonyms in (bool[])[false, true])
        {
            var named = _entries
                .Where(e => e.Words.Select((w, i) => lowerWords.Any(r => Same(r, w) || (synonyms && i == 0 && IsSynonym(r, w)))).All(b => b))
                .OrderByDescending(e => e.Words.Length)
                .ToList();
            if (named.Count > 0 && (named.Count == 1 || named[0].Words.Length > named[1].Words.Length))
            {
                return named[0].Operation.Name;
            }
        }
        var significant = Significant(lowerWords).Distinct(StringComparer.Ordinal).ToList();
        var scored = _entries
            .Select(e => (e.Operation.Name, Score: significant.Count(w => e.Described.Any(d => Same(w, d)) || e.Words.Any(n => Same(w, n)))))
            .Where(s => s.Score >= 2)
            .OrderByDescending(s => s.Score)
            .ToList();
        return scored.Count > 0 && (scored.Count == 1 || scored[0].Score > scored[1].Score) ? scored[0].Name : null;
    }

    /// <summary>"dumps" is "dump", "repositories" is "repository", "notification" is "notify": a shared stem.</summary>
    internal static bool Same(string a, string b)
    {
        if (a == b)
        {
            return true;
        }
        var prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix])
        {
            prefix++;
        }
        return prefix >= 4 && prefix >= Math.Min(a.Length, b.Length) - 1;
    }

    private static bool IsSynonym(string requestWord, string nameWord) =>
        s_synonyms.TryGetValue(nameWord, out var synonyms) && synonyms.Contains(requestWord, StringComparer.Ordinal);

    private static bool InOrder(IReadOnlyList<string> lowerWords, string[] name)
    {
        for (var start = 0; start < lowerWords.Count; start++)
        {
            if (!Same(lowerWords[start], name[0]))
            {
                continue;
            }
            var at = start;
            var matched = 1;
            while (matched < name.Length)
            {
                var next = at + 1;
                if (next < lowerWords.Count && s_fillers.Contains(lowerWords[next]) && !Same(lowerWords[next], name[matched]))
                {
                    next++;
                }
                if (next >= lowerWords.Count || !Same(lowerWords[next], name[matched]))
                {
                    break;
                }
                at = next;
                matched++;
            }
            if (matched == name.Length)
            {
                return true;
            }
        }
        return false;
    }

    private static IEnumerable<string> Significant(IEnumerable<string> words) =>
        words.Select(w => w.ToLowerInvariant().Trim('(', ')', ',', '\'', '"'))
            .Where(w => w.Length >= 4 && !RequestWords.IsCommon(w) && char.IsAsciiLetter(w[0]));
}
