using System.Text.RegularExpressions;

namespace PgArk.Tests.Architecture;

/// <summary>
/// DESIGN.md's arrows inside Core, enforced on the source: a capability folder (namespace) may use only those below it,
/// plus a few named edges between peers. Edges that break the rule today are listed in <see cref="s_knownViolations"/>
/// (issue 12); the list may only shrink: a new violation fails, and so does a listed one that is gone (delete its line).
/// </summary>
public partial class LayeringTests
{
    /// <summary>Lower ranks are used by higher ones, never the other way round.</summary>
    private static readonly Dictionary<string, int> s_rank = new(StringComparer.Ordinal)
    {
        ["Errors"] = 0,
        ["Common"] = 1,
        ["Codecs"] = 1,
        ["Configuration"] = 2,
        ["Postgres"] = 2,
        ["Storage"] = 3,
        ["Catalog"] = 4,
        ["Wal"] = 5,
        ["Physical"] = 5,
        ["Logical"] = 5,
        ["Restore"] = 5,
        ["Retention"] = 5,
        ["Verification"] = 5,
        ["Notifications"] = 5,
        ["Stores"] = 5,
        ["Streaming"] = 5,
        ["Operations"] = 6,
        ["Scheduling"] = 7,
    };

    /// <summary>Edges between capabilities of the same rank that the design allows (restore reads physical backups and gets WAL).</summary>
    private static readonly HashSet<string> s_peerEdges = new(StringComparer.Ordinal)
    {
        "Restore -> Physical", "Restore -> Wal", "Physical -> Wal", "Retention -> Wal", "Verification -> Restore", "Verification -> Wal",
        "Notifications -> Wal", "Stores -> Logical", // a store artifact is written through the dumps' checked write path
        "Streaming -> Wal", // streamed WAL is stored through archive-push's write path
        "Notifications -> Streaming", // the stream_lag alert reads the streamer's slot
        "Restore -> Logical", // table and database restore reuse the dumps' COPY and database-property code (as restore reads physical
                              // backups); the sandbox that logical's scratch cluster shares with restore is in Postgres, so no cycle
    };

    /// <summary>The cycles and upward edges of issue 12 still to remove (with what causes each).</summary>
    private static readonly HashSet<string> s_knownViolations = new(StringComparer.Ordinal)
    {
        "Configuration -> Storage", // S3 and encryption options live in Storage
        "Notifications -> Operations", // AlertFactsReader reads run history, NotificationTester
        "Notifications -> Scheduling", // AlertFactsReader reads the schedule state
        // Added by the merges of issues 13, 15 and 16 (2026-12-04); to remove like the ones above:
        "Configuration -> Catalog", // ConfigParser.Stores: a backup set's type is a Catalog.BackupType
        "Configuration -> Stores", // store and backup-set options are Stores types
    };

    [Fact]
    public void CoreNamespaces_UseOnlyAllowedEdges()
    {
        var edges = Edges();
        Assert.Contains("Operations -> Catalog", edges.Keys);
        var unexpected = edges.Where(e => !Allowed(e.Key) && !s_knownViolations.Contains(e.Key))
            .Select(e => $"{e.Key} ({string.Join(", ", e.Value.Take(3))})").ToList();
        Assert.True(unexpected.Count == 0, "edges against the layering: " + string.Join("; ", unexpected));
    }

    [Fact]
    public void KnownViolations_AreStillPresent_SoTheListOnlyShrinks()
    {
        var edges = Edges();
        var gone = s_knownViolations.Where(v => !edges.ContainsKey(v)).ToList();
        Assert.True(gone.Count == 0, "fixed, remove from s_knownViolations: " + string.Join(", ", gone));
        Assert.All(s_knownViolations, v => Assert.False(Allowed(v), $"{v} is allowed by the table; it is no violation"));
    }

    private static bool Allowed(string edge)
    {
        var parts = edge.Split(" -> ");
        return s_rank[parts[0]] > s_rank[parts[1]] || s_peerEdges.Contains(edge);
    }

    /// <summary>
    /// "From -> To" for every folder of src/PgArk.Core whose files name another folder's namespace: a <c>using</c>, a
    /// qualified name (PgArk.Core.Wal.X), or one relative to PgArk.Core (Wal.WalFileName). Comments are ignored.
    /// </summary>
    private static Dictionary<string, List<string>> Edges()
    {
        var core = Path.Combine(RepositoryRoot(), "src", "PgArk.Core");
        var areas = Directory.GetDirectories(core).Select(Path.GetFileName).Where(d => d is not ("bin" or "obj")).Cast<string>().ToList();
        Assert.Equal(s_rank.Keys.Order(StringComparer.Ordinal), areas.Order(StringComparer.Ordinal));
        var relative = new Regex($@"(?<![\w.])(?<area>{string.Join("|", areas)})\.[A-Z]");
        var edges = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var from in areas)
        {
            foreach (var file in Directory.GetFiles(Path.Combine(core, from), "*.cs", SearchOption.AllDirectories))
            {
                var text = CommentPattern().Replace(File.ReadAllText(file), "");
                var named = QualifiedPattern().Matches(text).Select(m => m.Groups["area"].Value)
                    .Concat(relative.Matches(text).Select(m => m.Groups["area"].Value));
                foreach (var to in named.Where(a => a != from && areas.Contains(a)).Distinct())
                {
                    var key = $"{from} -> {to}";
                    if (!edges.TryGetValue(key, out var files))
                    {
                        edges[key] = files = [];
                    }
                    files.Add(Path.GetRelativePath(core, file));
                }
            }
        }
        return edges;
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "PgArk.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException($"no PgArk.sln above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"PgArk\.Core\.(?<area>\w+)")]
    private static partial Regex QualifiedPattern();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex CommentPattern();
}
