using System.Text.RegularExpressions;

namespace PgArk.Assistant.Parsing;

/// <summary>
/// Which destructive kinds of step (restore, delete, expire, import) a request asks for in so many words. <c>ask --yes</c>
/// confirms only those: a plan, a model's above all, that answers "list backups" with a delete_backup step asks at the
/// terminal (or is refused without one) even with --yes. The phrasings are the parser's own (<see cref="Intent"/>).
/// </summary>
public static partial class RequestedKinds
{
    /// <summary>The action word of each destructive kind, and the words that ask for it.</summary>
    private static readonly (string Kind, Regex Asked)[] s_kinds =
    [
        ("delete", DeletePattern()),
        ("expire", ExpirePattern()),
        ("restore", RestorePattern()),
        ("import", ImportPattern()),
    ];

    /// <summary>
    /// The kind of <paramref name="operation"/>: the first word of its name that is a destructive kind ("dump_restore" is
    /// a restore), else its first word (a destructive operation added later is asked for by its own verb).
    /// </summary>
    public static string KindOf(string operation)
    {
        var words = operation.Split('_');
        return words.FirstOrDefault(w => s_kinds.Any(k => k.Kind == w)) ?? words[0];
    }

    /// <summary>True when <paramref name="request"/> asks for steps of <paramref name="operation"/>'s kind.</summary>
    public static bool Asks(string request, string operation)
    {
        var kind = KindOf(operation);
        var lower = request.ToLowerInvariant();
        foreach (var (known, asked) in s_kinds)
        {
            if (known == kind)
            {
                return asked.IsMatch(lower);
            }
        }
        return RequestWords.Split(lower).Any(w => OperationVocabulary.Same(w, kind));
    }

    [GeneratedRegex(@"\b(?:delete|remove|drop|discard|erase)\b")]
    private static partial Regex DeletePattern();

    [GeneratedRegex(@"\b(?:expire|prune|purge)\b")]
    private static partial Regex ExpirePattern();

    // "test restore" and "verify restore" ask for a verification in a sandbox, not for a restore.
    [GeneratedRegex(@"(?<!\b(?:test|verify|check|verification) )\b(?:restore|recover|reload)\b|\broll ?back\b|\brollback\b|\bpitr\b|\bpoint.in.time\b|\brewind\b|\brevert\b|\bbring back\b|\bundo\b|\bgo back\b|\bput back\b|\bget back\b|\breset\b.*\bto\b")]
    private static partial Regex RestorePattern();

    [GeneratedRegex(@"\b(?:import|load)\b")]
    private static partial Regex ImportPattern();
}
