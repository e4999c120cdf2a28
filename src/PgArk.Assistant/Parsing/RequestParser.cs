using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PgArk.Assistant.Planning;
using PgArk.Assistant.Routing;
using PgArk.Core.Operations.Registry;

namespace PgArk.Assistant.Parsing;

/// <summary>
/// The deterministic planner: request text → <see cref="Plan"/> with registry operation names and snake_case arguments.
/// It never acts on a guess: an unknown or misspelt database, a missing database or an ambiguous server gives an answer
/// with no steps. Times are resolved against the injected clock and zone, so a plan is reproducible. Operations, their
/// argument names, types and enum values come from the registry (<see cref="OperationVocabulary"/>,
/// <see cref="ArgumentFiller"/>): the phrasing rules of <see cref="Intent"/> only add synonyms for the common ones.
/// </summary>
public sealed partial class RequestParser(DatabaseCatalog catalog, TimeProvider clock, TimeZoneInfo zone, OperationRegistry? registry = null)
{
    /// <summary>Operations with hand-written argument rules (the others are filled from their schema alone).</summary>
    private static readonly HashSet<string> s_databaseOperations = new(StringComparer.Ordinal)
    {
        "restore_database", "restore_table", "dump", "dump_restore", "export_table", "import_table",
    };

    /// <summary>Operations that read, so "all servers" is the natural default when none is named.</summary>
    private static readonly HashSet<string> s_everywhereByDefault = new(StringComparer.Ordinal)
    {
        "list_backups", "health", "info", "schedule", "list_dumps", "list_databases", "verify",
    };

    private readonly TimeExpressionParser _times = new(clock, zone);
    private readonly OperationVocabulary _vocabulary = new(registry ?? OperationRegistry.Default);

    public static string HelpText { get; } = string.Join(Environment.NewLine,
        "I can plan these (name a database and I find its server):",
        "  list backups for customer_db | list backups for all databases",
        "  create backup for hr_db | trigger full backup for hr_db | take a differential backup of pg1",
        "  restore customer_db to latest | restore customer_db to 2025-09-10T10:30:00Z | roll back hr_db to two hours ago",
        "  bring back the orders table in customer_db as it was at 10:30 | restore table orders of customer_db to 1 hour ago into orders_copy",
        "  how far back can I restore customer_db? | when is the next backup? | health of all servers",
        "  verify backups of hr_db | test restore of pg2 | expire old backups on pg1",
        "  dump finance_db | list dumps for finance_db | restore the latest dump of finance_db",
        "  export table customers from customer_db as csv to /tmp/customers.csv | import /tmp/c.csv into customers in customer_db",
        "  list databases | where is hr_db?",
        "Every operation can be named as such (give its arguments as --name value):",
        "  " + string.Join(", ", OperationRegistry.Default.Operations.Select(o => o.Name.Replace('_', ' '))));

    public Plan Parse(string request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var text = request.Trim();
        if (text.Length == 0)
        {
            return Plan.Answer(HelpText);
        }
        var time = _times.Find(text);
        var rest = time is null ? text : text.Replace(time.Text, " ", StringComparison.Ordinal);
        var lower = rest.ToLowerInvariant();
        var lowerWords = RequestWords.Split(lower);
        var operation = Intent.Recognize(lower) is Intent.Help ? Intent.Help
            : _vocabulary.Spelt(lowerWords) ?? Intent.Recognize(lower) ?? _vocabulary.Loosely(lowerWords);
        if (operation is null or Intent.Help)
        {
            return Plan.Answer(operation is null ? $"I don't know how to do that.{Environment.NewLine}{HelpText}" : HelpText);
        }
        var declared = _vocabulary.Registry.Operations.FirstOrDefault(o => o.Name == operation);
        if (StorePlan(operation, declared, lowerWords, time, lower, rest) is { } storePlan)
        {
            return storePlan;
        }
        // "restore customer_db to T into customer_db_copy": the new database's name is no database to look up.
        string? into = null;
        // "bring back the orders table of customer_db": table names are no databases to look up either.
        List<string>? tables = null;
        if (operation == "restore_table" || declared?.ArgumentNames.Any(a => a is "table" or "tables") == true)
        {
            (tables, rest) = Tables(rest, operation.Split('_'));
        }
        if (operation is "restore_database" or "restore_table" && IntoPattern().Match(rest) is { Success: true } intoMatch
            && !RequestWords.IsCommon(intoMatch.Groups["name"].Value))
        {
            into = intoMatch.Groups["name"].Value;
            rest = rest.Remove(intoMatch.Index, intoMatch.Length).Insert(intoMatch.Index, " ");
        }
        var words = RequestWords.Split(rest);
        var explicitServer = ExplicitServer(rest, words, out var serverProblem);
        if (serverProblem is not null)
        {
            return Plan.Answer(serverProblem);
        }
        var databases = Databases(words, explicitServer, out var databaseAnswer);
        if (databaseAnswer is not null)
        {
            return databaseAnswer;
        }
        var context = new StepContext(operation, lower, rest, words, time, into, tables, declared);
        if (s_databaseOperations.Contains(operation) || declared?.RequiredArguments.Contains(OperationRegistry.DatabaseArgument) == true)
        {
            if (databases.Count == 0)
            {
                return Plan.Answer($"Which database? '{operation}' works on one database. Known: {KnownDatabases()}.");
            }
            var steps = new List<PlanStep>();
            foreach (var database in databases)
            {
                var server = ServerFor(database, explicitServer, out var answer);
                if (answer is not null)
                {
                    return answer;
                }
                var built = DatabaseStep(context, server!, database, out var problem);
                if (problem is not null)
                {
                    return Plan.Answer(problem);
                }
                steps.Add(built!);
            }
            return new Plan(steps, PlanSources.Parser, Note(operation, context));
        }
        return ServerSteps(context, databases, explicitServer);
    }

    private Plan ServerSteps(StepContext context, IReadOnlyList<string> databases, string? explicitServer)
    {
        var targets = new List<(string Server, string? Database)>();
        foreach (var database in databases)
        {
            var server = ServerFor(database, explicitServer, out var answer);
            if (answer is not null)
            {
                return answer;
            }
            targets.Add((server!, database));
        }
        if (targets.Count == 0 && explicitServer is not null)
        {
            targets.Add((explicitServer, null));
        }
        if (targets.Count == 0 && context.Declared is { } serverless && !serverless.ArgumentNames.Contains(OperationRegistry.ServerArgument)
            && catalog.Servers.Count > 0)
        {
            targets.Add((catalog.Servers[0], null));
        }
        if (targets.Count == 0)
        {
            var all = AllPattern().IsMatch(context.Lower) || s_everywhereByDefault.Contains(context.Operation)
                || context.Declared?.ReadOnly == true || catalog.Servers.Count == 1;
            if (!all || catalog.Servers.Count == 0)
            {
                return Plan.Answer(catalog.Servers.Count == 0
                    ? "No server is known: configure servers or agents in pgark.yaml."
                    : $"Which database or server? '{context.Operation}' runs on one server; say 'for customer_db' or 'on pg1'. Known: {KnownDatabases()}.");
            }
            targets.AddRange(catalog.Servers.Select(s => (s, (string?)null)));
        }
        if (context.Declared is { } declared && !declared.ArgumentNames.Contains(OperationRegistry.ServerArgument))
        {
            // An operation about no server in particular (notify_test) runs once, where the request points or on the first server.
            targets = [targets[0]];
        }
        var steps = new List<PlanStep>();
        foreach (var (server, database) in targets)
        {
            var step = ServerStep(context, server, database, out var problem);
            if (problem is not null)
            {
                return Plan.Answer(problem);
            }
            // Backups are cluster-wide: two databases of one server need one backup.
            if (!steps.Any(s => JsonNode.DeepEquals(s.Arguments, step!.Arguments) && s.Server == step.Server))
            {
                steps.Add(step!);
            }
        }
        return new Plan(steps, PlanSources.Parser, Note(context.Operation, context, databases));
    }

    private PlanStep? ServerStep(StepContext context, string server, string? database, out string? problem)
    {
        problem = null;
        var arguments = new JsonObject();
        if (context.Declared?.ArgumentNames.Contains(OperationRegistry.ServerArgument) != false)
        {
            arguments[OperationRegistry.ServerArgument] = server;
        }
        switch (context.Operation)
        {
            case "backup":
                arguments["type"] = BackupType(context.Lower);
                break;
            case "list_backups":
                if (database is not null)
                {
                    arguments["database"] = database;
                }
                if (LimitPattern().Match(context.Lower) is { Success: true } limit)
                {
                    arguments["limit"] = int.Parse(limit.Groups["n"].Value, CultureInfo.InvariantCulture);
                }
                break;
            case "list_dumps":
                if (database is not null)
                {
                    arguments["database"] = database;
                }
                break;
            case "expire":
                if (DryRunPattern().IsMatch(context.Lower))
                {
                    arguments["dry_run"] = true;
                }
                break;
            case "delete_backup":
                if (BackupIdPattern().Match(context.Original) is not { Success: true } id)
                {
                    problem = "Which backup? Name its id (e.g. 'delete backup 20250910-103000F on pg1'); 'list backups' shows them.";
                    return null;
                }
                arguments["backup_id"] = id.Value;
                break;
            case "verify" or "verify_restore":
                if (BackupIdPattern().Match(context.Original) is { Success: true } backup)
                {
                    arguments["backup_id"] = backup.Value;
                }
                break;
            default:
                if (database is not null && context.Declared?.ArgumentNames.Contains(OperationRegistry.DatabaseArgument) == true)
                {
                    arguments[OperationRegistry.DatabaseArgument] = database;
                }
                break;
        }
        return Filled(context, server, arguments, out problem);
    }

    private PlanStep? DatabaseStep(StepContext context, string server, string database, out string? problem)
    {
        problem = null;
        var arguments = new JsonObject { ["server"] = server, ["database"] = database };
        switch (context.Operation)
        {
            case "restore_table":
                if (context.Tables is not { Count: > 0 })
                {
                    problem = "Which table? e.g. 'bring back the orders table in customer_db as it was at 10:30'.";
                    return null;
                }
                arguments["tables"] = new JsonArray([.. context.Tables.Select(t => JsonValue.Create(t))]);
                goto case "restore_database";
            case "restore_database":
                if (context.Time is { Problem: { } timeProblem })
                {
                    problem = timeProblem;
                    return null;
                }
                if (context.Time is { Time: { } at })
                {
                    if (at > clock.GetUtcNow())
                    {
                        problem = $"{context.Time.Iso} is in the future; say 'to latest' to replay everything archived.";
                        return null;
                    }
                    arguments["target_time"] = context.Time.Iso;
                }
                else
                {
                    arguments["target"] = "latest";
                }
                if (context.Into is not null)
                {
                    arguments["into"] = context.Into;
                }
                else if (ReplacePattern().IsMatch(context.Lower))
                {
                    arguments["replace"] = true;
                }
                if (DryRunPattern().IsMatch(context.Lower))
                {
                    arguments["dry_run"] = true;
                }
                break;
            case "dump":
                if (SchemaOnlyPattern().IsMatch(context.Lower))
                {
                    arguments["mode"] = "schema";
                }
                else if (DataOnlyPattern().IsMatch(context.Lower))
                {
                    arguments["mode"] = "data";
                }
                break;
            case "dump_restore":
                if (DumpIdPattern().Match(context.Original) is { Success: true } dumpId)
                {
                    arguments["dump"] = dumpId.Value;
                }
                break;
            case "export_table" or "import_table":
                return TableStep(context, server, database, arguments, out problem);
        }
        return Filled(context, server, arguments, out problem);
    }

    /// <summary>The step with what the operation's schema lets the request say besides the rules above, or the question to ask.</summary>
    private static PlanStep? Filled(StepContext context, string server, JsonObject arguments, out string? problem)
    {
        problem = context.Declared is null ? null
            : ArgumentFiller.Fill(context.Declared, context.Original, context.Lower, context.Tables, arguments);
        return problem is null ? new PlanStep(server, context.Operation, arguments) : null;
    }

    private PlanStep? TableStep(StepContext context, string server, string database, JsonObject arguments, out string? problem)
    {
        problem = null;
        var file = context.Words.FirstOrDefault(w => w.Contains('/', StringComparison.Ordinal)
            || w.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || w.EndsWith(".json", StringComparison.OrdinalIgnoreCase));
        var export = context.Operation == "export_table";
        var table = context.Tables?.FirstOrDefault()
            ?? TableName(context.Words, database, export ? ["export", "table", "extract", "download"] : ["into", "table"]);
        if (table is null && !export && file is not null)
        {
            table = Path.GetFileNameWithoutExtension(file);
        }
        if (table is null)
        {
            problem = $"Which table? e.g. '{(export ? "export table customers from customer_db as csv" : "import /tmp/customers.csv into customers in customer_db")}'.";
            return null;
        }
        arguments["table"] = table;
        var format = FormatPattern().Match(context.Lower) is { Success: true } f ? f.Value
            : file is not null && file.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? "csv" : "json";
        arguments["format"] = format;
        if (export)
        {
            // The registry's export_table writes a file (inside the export folder when run by a remote agent): name one after the table.
            arguments["to"] = file ?? $"{table}.{format}";
            if (LimitPattern().Match(context.Lower) is { Success: true } limit)
            {
                arguments["limit"] = int.Parse(limit.Groups["n"].Value, CultureInfo.InvariantCulture);
            }
        }
        else
        {
            if (file is null)
            {
                problem = "Which file? e.g. 'import /tmp/customers.csv into customers in customer_db'.";
                return null;
            }
            arguments["from"] = file;
            if (ConflictPattern().Match(context.Lower) is { Success: true } conflict)
            {
                arguments["on_conflict"] = conflict.Groups["action"].Value is "upsert" or "overwrite" ? "update" : conflict.Groups["action"].Value;
            }
        }
        return new PlanStep(server, context.Operation, arguments);
    }

    /// <summary>The tables a restore_table request names ("the orders table", "table orders") and the text without them.</summary>
    private static (List<string>? Names, string Remaining) Tables(string text, string[] operationWords)
    {
        foreach (var match in new[] { TablesBeforePattern().Match(text), TablesAfterPattern().Match(text) })
        {
            var names = match.Success
                ? match.Groups["t"].Captures.Select(c => c.Value)
                    .Where(t => !RequestWords.IsCommon(t) && !operationWords.Contains(t.ToLowerInvariant(), StringComparer.Ordinal)).ToList()
                : [];
            if (names.Count > 0)
            {
                return (names, text.Remove(match.Index, match.Length).Insert(match.Index, " "));
            }
        }
        return (null, text);
    }

    private static string? TableName(IReadOnlyList<string> words, string database, string[] after)
    {
        for (var i = 0; i < words.Count - 1; i++)
        {
            if (!after.Contains(words[i].ToLowerInvariant()))
            {
                continue;
            }
            var candidate = words[i + 1];
            if (candidate.Equals("the", StringComparison.OrdinalIgnoreCase) || candidate.Equals("table", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (candidate != database && !candidate.Contains('/', StringComparison.Ordinal) && !RequestWords.IsCommon(candidate)
                && TablePattern().IsMatch(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private string? ExplicitServer(string text, IReadOnlyList<string> words, out string? problem)
    {
        problem = null;
        if (ServerOptionPattern().Match(text) is { Success: true } option)
        {
            var name = option.Groups["name"].Value;
            if (!catalog.HasServer(name))
            {
                problem = $"Server '{name}' is not known. Servers: {string.Join(", ", catalog.Servers)}.";
                return null;
            }
            return name;
        }
        return words.FirstOrDefault(catalog.HasServer);
    }

    private List<string> Databases(IReadOnlyList<string> words, string? explicitServer, out Plan? answer)
    {
        answer = null;
        var found = new List<string>();
        foreach (var word in words)
        {
            var exact = catalog.Databases.FirstOrDefault(d => d == word)
                ?? catalog.Databases.Where(d => d.Equals(word, StringComparison.OrdinalIgnoreCase)).SingleOrDefaultIfMany();
            if (exact is not null && !found.Contains(exact, StringComparer.Ordinal))
            {
                found.Add(exact);
            }
        }
        // "the sales database", "database sales": a database named by its stem (sales_db, salesdb).
        for (var i = 0; i < words.Count; i++)
        {
            var named = (i + 1 < words.Count && RequestWords.IsDatabaseNoun(words[i + 1])) || (i > 0 && RequestWords.IsDatabaseNoun(words[i - 1]));
            if (named && catalog.Databases.Where(d => Stem(d).Equals(words[i], StringComparison.OrdinalIgnoreCase)).SingleOrDefaultIfMany()
                is { } stemmed && !found.Contains(stemmed, StringComparer.Ordinal))
            {
                found.Add(stemmed);
            }
        }
        foreach (var candidate in RequestWords.DatabaseCandidates(words))
        {
            if (found.Any(d => d.Equals(candidate, StringComparison.OrdinalIgnoreCase) || Stem(d).Equals(candidate, StringComparison.OrdinalIgnoreCase))
                || candidate == explicitServer
                || catalog.HasServer(candidate))
            {
                continue;
            }
            var suggestion = Closest(candidate);
            if (suggestion is null && !RequestWords.IsShaped(candidate))
            {
                // A plain word after "for"/"into" is more often a table or a figure of speech than a database.
                continue;
            }
            answer = suggestion is not null
                ? Plan.Answer($"Database '{candidate}' is not known. Did you mean {suggestion}?", unknownDatabase: candidate)
                : Plan.Answer($"Database '{candidate}' is not on any known server. Known: {KnownDatabases()}.", unknownDatabase: candidate);
            return found;
        }
        return found;
    }

    private string? Closest(string word)
    {
        var lower = word.ToLowerInvariant();
        // Against the name and its stem: "custmer_db" and "the custmer database" both suggest customer_db.
        var best = catalog.Databases
            .Select(d => (Name: d, Distance: Math.Min(PgArk.Core.Configuration.KeySuggestion.Distance(lower, d.ToLowerInvariant()),
                PgArk.Core.Configuration.KeySuggestion.Distance(lower, Stem(d).ToLowerInvariant()))))
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault();
        if (best.Name is not null && best.Distance <= Math.Max(2, lower.Length / 4))
        {
            return best.Name;
        }
        // "customer" for customer_db, "hr" for hr_db.
        var prefixed = catalog.Databases.Where(d => d.StartsWith(lower + "_", StringComparison.OrdinalIgnoreCase)).ToList();
        return prefixed.Count == 1 ? prefixed[0] : null;
    }

    /// <summary>A database's name without its "_db"/"db"/"_database" suffix: the word a person calls it by.</summary>
    internal static string Stem(string database)
    {
        foreach (var suffix in (string[])["_database", "_db", "-db", "db"])
        {
            if (database.Length > suffix.Length + 1 && database.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return database[..^suffix.Length];
            }
        }
        return database;
    }

    private string? ServerFor(string database, string? explicitServer, out Plan? answer)
    {
        answer = null;
        var holders = catalog.ServersOf(database);
        if (explicitServer is not null)
        {
            if (holders.Contains(explicitServer, StringComparer.Ordinal))
            {
                return explicitServer;
            }
            answer = Plan.Answer($"Database '{database}' is not on {explicitServer}; it is on {string.Join(" and ", holders)}.");
            return null;
        }
        if (holders.Count == 1)
        {
            return holders[0];
        }
        answer = Plan.Answer($"Database '{database}' exists on {string.Join(" and ", holders)}. Which one? Say 'on {holders[0]}' or pass --server.");
        return null;
    }

    private static string BackupType(string lower) =>
        FullPattern().IsMatch(lower) ? "full" : DiffPattern().IsMatch(lower) ? "diff" : "incr";

    private string KnownDatabases() =>
        string.Join(", ", catalog.Servers.Select(s => $"{s} ({DatabasesOf(s)})"));

    private string DatabasesOf(string server)
    {
        var databases = catalog.Databases.Where(d => catalog.ServersOf(d).Contains(server)).Order(StringComparer.Ordinal).ToList();
        return databases.Count == 0 ? "none known" : string.Join(", ", databases);
    }

    private static string? Note(string operation, StepContext context, IReadOnlyList<string>? databases = null) => operation switch
    {
        "backup" when databases is { Count: > 0 } =>
            "Backups are physical and cluster-wide: the whole server holding the database is backed up (an incremental falls back to full when there is none yet).",
        "info" when WindowPattern().IsMatch(context.Lower) => "The recoverable window is the server's: from the oldest backup with its WAL to the last archived WAL.",
        "restore_database" => "The database is restored into a sandbox at the target and moved back; the live one is kept as <db>_before_restore_<timestamp> unless 'replace'.",
        "restore_table" => "The server is restored into a sandbox at the target and the tables are moved back beside the live ones as <table>_restored_<time> (or swapped in with 'replace').",
        _ => null,
    };

    /// <summary>Words that name a kind of store ("back up the vector store", "restore neo4j", "the graph database").</summary>
    private static readonly Dictionary<string, string> s_storeKindWords = new(StringComparer.Ordinal)
    {
        ["qdrant"] = "qdrant", ["vector"] = "qdrant", ["vectors"] = "qdrant", ["embeddings"] = "qdrant",
        ["neo4j"] = "neo4j", ["graph"] = "neo4j",
    };

    /// <summary>
    /// A request about a Qdrant or Neo4j store (named, or by its kind: "the vector store", "neo4j") becomes a step of the
    /// store operation the registry declares for the same verb: the operation taking a <c>store</c> argument whose name starts
    /// like the recognised one ("backup" → backup_store, "restore_database" → restore_store, "list_backups" →
    /// list_store_backups, "verify" → verify_store). The step's server is the store's name (it runs where the store is
    /// configured). Null when the request names no store.
    /// </summary>
    private Plan? StorePlan(string operation, RegisteredOperation? declared, IReadOnlyList<string> lowerWords, TimeExpression? time, string lower,
        string original)
    {
        var stores = catalog.Stores.Where(s => lowerWords.Contains(s.Name.ToLowerInvariant(), StringComparer.Ordinal)).ToList();
        if (stores.Count == 0)
        {
            stores = catalog.Stores.Where(s => lowerWords.Any(w => s_storeKindWords.GetValueOrDefault(w) == s.Kind)).ToList();
        }
        if (stores.Count == 0 || catalog.HasServer(stores[0].Name) || catalog.Databases.Any(d => lowerWords.Contains(d, StringComparer.Ordinal)))
        {
            return null;
        }
        const string StoreArgument = "store";
        var verb = operation.Split('_')[0];
        var storeOperation = declared?.ArgumentNames.Contains(StoreArgument) == true ? declared
            : _vocabulary.Registry.Operations.Where(o => o.ArgumentNames.Contains(StoreArgument) && o.Name.Split('_')[0] == verb)
                .OrderBy(o => o.Name.Length).FirstOrDefault();
        if (storeOperation is null)
        {
            var offered = _vocabulary.Registry.Operations.Where(o => o.ArgumentNames.Contains(StoreArgument)).Select(o => o.Name.Replace('_', ' '));
            return Plan.Answer($"For a store ({string.Join(", ", stores.Select(s => $"{s.Name}, {s.Kind}"))}) I can plan: {string.Join("; ", offered)}.");
        }
        if (storeOperation.Destructive && stores.Count > 1)
        {
            return Plan.Answer($"Which store? {string.Join(" and ", stores.Select(s => $"'{s.Name}' ({s.Kind})"))} both match; name one.");
        }
        var context = new StepContext(storeOperation.Name, lower, original, RequestWords.Split(original), time, null, null, storeOperation);
        var steps = new List<PlanStep>();
        foreach (var (name, _) in stores)
        {
            var arguments = new JsonObject { [StoreArgument] = name };
            if (time is { Problem: { } timeProblem })
            {
                return Plan.Answer(timeProblem);
            }
            if (time is { Time: { } at } && storeOperation.ArgumentNames.Contains("before"))
            {
                // Store backups are snapshots, not a replay: "from last night" is the newest backup taken by the end of that night
                // (06:00; the time parser's "last night" is 22:00, a PostgreSQL restore target), any other time is the bound itself.
                var bound = time.Text.Contains("night", StringComparison.OrdinalIgnoreCase) && !time.Text.Any(char.IsAsciiDigit)
                    ? at.AddHours(8) : at;
                arguments["before"] = bound.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);
            }
            var step = Filled(context, name, arguments, out var problem);
            if (problem is not null)
            {
                return Plan.Answer(problem);
            }
            steps.Add(step!);
        }
        return new Plan(steps, PlanSources.Parser, null);
    }

    private sealed record StepContext(string Operation, string Lower, string Original, IReadOnlyList<string> Words, TimeExpression? Time,
        string? Into, IReadOnlyList<string>? Tables, RegisteredOperation? Declared);

    [GeneratedRegex(@"\b(?:all|every|everything|each|both)\b")]
    private static partial Regex AllPattern();

    [GeneratedRegex(@"--server[= ](?<name>[A-Za-z0-9_/-]+)")]
    private static partial Regex ServerOptionPattern();

    [GeneratedRegex(@"\bfull\b")]
    private static partial Regex FullPattern();

    [GeneratedRegex(@"\bdiff\b|\bdifferential\b")]
    private static partial Regex DiffPattern();

    [GeneratedRegex(@"\b(?:last|latest|newest|recent|top|first|limit)\s+(?<n>\d{1,4})\b|\b(?<n>\d{1,4})\s+(?:most recent|latest|newest|last)\b")]
    private static partial Regex LimitPattern();

    [GeneratedRegex(@"\bdry.?run\b|\bwhat would\b|\bpreview\b|\bsimulate\b")]
    private static partial Regex DryRunPattern();

    [GeneratedRegex(@"\breplace\b|\breplacing\b|\boverwrite\b|\bin place\b|\bwithout keeping\b|\bdon'?t keep\b|\bno copy\b")]
    private static partial Regex ReplacePattern();

    [GeneratedRegex(@"\bschema.?only\b|\bonly (?:the )?schema\b|\bschema dump\b|\bjust the schema\b")]
    private static partial Regex SchemaOnlyPattern();

    [GeneratedRegex(@"\bdata.?only\b|\bonly (?:the )?data\b|\bjust the data\b")]
    private static partial Regex DataOnlyPattern();

    [GeneratedRegex(@"\b(?:csv|json)\b")]
    private static partial Regex FormatPattern();

    [GeneratedRegex(@"\b(?:on conflict|conflicts?:?|if (?:it )?exists?,?)\s+(?<action>error|skip|update|upsert|overwrite)\b|\b(?<action>upsert|skip)\b")]
    private static partial Regex ConflictPattern();

    [GeneratedRegex(@"\b(?:into(?:\s+a)?(?:\s+new)?(?:\s+(?:copy|database|db))?|(?:as|to)\s+(?:a\s+)?(?:new\s+)?(?:copy|database|db))(?:\s+(?:named|called))?\s+(?<name>[A-Za-z_][A-Za-z0-9_]*)\b", RegexOptions.IgnoreCase)]
    private static partial Regex IntoPattern();

    /// <summary>"the orders table", "the orders and order_items tables".</summary>
    [GeneratedRegex(@"\b(?:the\s+)?(?<t>[A-Za-z_][A-Za-z0-9_$.]*)(?:\s*(?:,|\band\b)\s*(?<t>[A-Za-z_][A-Za-z0-9_$.]*))*\s+tables?\b")]
    private static partial Regex TablesBeforePattern();

    /// <summary>"table orders", "tables orders and order_items".</summary>
    [GeneratedRegex(@"\btables?\s+(?<t>[A-Za-z_][A-Za-z0-9_$.]*)(?:\s*(?:,|\band\b)\s*(?<t>[A-Za-z_][A-Za-z0-9_$.]*))*")]
    private static partial Regex TablesAfterPattern();

    [GeneratedRegex(@"\b\d{8}-\d{6}[FDI]\b")]
    private static partial Regex BackupIdPattern();

    [GeneratedRegex(@"\b\d{8}-\d{6}L\b")]
    private static partial Regex DumpIdPattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)?$")]
    private static partial Regex TablePattern();

    [GeneratedRegex(@"how far back|how far can|recoverable|recovery window|restore window|restorable|earliest|oldest")]
    private static partial Regex WindowPattern();
}

internal static class EnumerableExtensions
{
    /// <summary>The single element, or null when there are none or several (an ambiguous match is no match).</summary>
    public static string? SingleOrDefaultIfMany(this IEnumerable<string> source)
    {
        using var e = source.GetEnumerator();
        if (!e.MoveNext())
        {
            return null;
        }
        var first = e.Current;
        return e.MoveNext() ? null : first;
    }
}
