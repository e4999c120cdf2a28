using PgArk.Core.Errors;

namespace PgArk.Core.Operations;

/// <summary>
/// Describes one property of an operation's input: the text feeds the JSON schema (MCP tools, OpenAPI) and the CLI help;
/// <see cref="Aliases"/> are extra CLI spellings (<c>--backup</c>, <c>-d</c>) and <see cref="Positional"/> makes the CLI
/// take the value as a bare argument instead of an option. Put it on the record's parameter as <c>[property: Input("…")]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
public sealed class InputAttribute(string description) : Attribute
{
    public string Description { get; } = description;

    /// <summary>
    /// Extra command-line names, e.g. <c>["--backup", "-b"]</c>; the kebab-case name is always accepted. A boolean that
    /// defaults to true is a flag that turns it off, <c>--no-&lt;name&gt;</c>, and these are that flag's names (<c>--no-header</c>).
    /// </summary>
    public string[] Aliases { get; init; } = [];

    /// <summary>The command line takes this value as a positional argument (in declaration order).</summary>
    public bool Positional { get; init; }

    /// <summary>
    /// Only the command line may give this argument: it names a host folder the operator at the shell chooses (where a
    /// sandbox cluster or pg_wal goes), which a network caller must not pick. The registry refuses it from REST, MCP and
    /// the dashboard (<see cref="OperationCaller.Remote"/>) with a permission error before anything runs; say so in the
    /// description, which the schema those callers read carries.
    /// </summary>
    public bool LocalOnly { get; init; }
}

/// <summary>An input that names the configured server it works on (recorded in the run's history).</summary>
public interface IServerInput
{
    string? Server { get; }
}

/// <summary>An input that names one database of its server (recorded in the run's history).</summary>
public interface IDatabaseInput
{
    string? Database { get; }
}

/// <summary>An input that can ask for a plan only; a dry run changes nothing and is not recorded.</summary>
public interface IDryRunInput
{
    bool DryRun { get; }
}

/// <summary>An input that carries its own confirmation (destructive operations check it; front ends pass it through).</summary>
public interface IConfirmedInput
{
    bool Confirm { get; }
}

/// <summary>
/// The input of a destructive operation that decides itself whether a run needs confirmation. Without it, every run of a
/// destructive operation needs <c>confirm: true</c> (<c>--yes</c>) except a dry run (<see cref="IDryRunInput"/>).
/// </summary>
public interface IConfirmationPolicy
{
    /// <summary>Whether this run needs confirmation (false: a dry run, or a run the operation declares routine).</summary>
    bool NeedsConfirmation { get; }
}

/// <summary>
/// The input of a destructive operation whose command-line runs (<see cref="OperationCaller.Local"/>) need no confirmation:
/// the command is the operator's explicit choice, and the operation itself refuses, before it changes anything, whatever
/// would destroy data (a physical restore refuses a folder that is not empty, a running server's or another cluster's data
/// directory: exit 4). Network callers (REST, MCP, the dashboard) still need <c>confirm: true</c>, and the JSON schema they
/// read requires it. README's <c>pgark restore --pgdata DIR</c> has no <c>--yes</c>. An input that is safe on the command line
/// only in some runs says which ones still need <c>--yes</c> (<see cref="NeedsLocalConfirmation"/>: an import that
/// overwrites rows).
/// </summary>
public interface ILocallyConfirmedInput
{
    /// <summary>Whether this command-line run still needs confirmation (<c>--yes</c>); by default none does.</summary>
    bool NeedsLocalConfirmation => false;
}

/// <summary>
/// The REST resource route of an operation. Route parameters carry the operation's argument names ({server}, {dump}),
/// so a route adds no argument mapping of its own; the query string (and for POST/DELETE a JSON body) supplies the rest.
/// </summary>
public sealed record OperationRoute(string Method, string Pattern, string Summary)
{
    /// <summary>Names of the route's parameters, e.g. ["server", "dump"].</summary>
    public IReadOnlyList<string> Parameters => Pattern.Split('/').Where(s => s.StartsWith('{')).Select(s => s.Trim('{', '}')).ToList();
}

/// <summary>
/// Whether a run that returned a result succeeded. A result can report a failure (a verification that found problems,
/// row counts that differ): every front end then fails with <see cref="Kind"/> and the run is recorded as failed.
/// </summary>
public sealed record OperationVerdict
{
    private OperationVerdict(ErrorKind? kind, string? failure)
    {
        Kind = kind;
        Failure = failure;
    }

    public static OperationVerdict Success { get; } = new(null, null);

    /// <summary>The error kind (and so the exit code) of a failed verdict; null on success.</summary>
    public ErrorKind? Kind { get; }

    public string? Failure { get; }

    public bool Failed => Kind is not null;

    public static OperationVerdict Fail(ErrorKind kind, string failure) => new(kind, failure);

    /// <summary>Fails with <paramref name="kind"/> when <paramref name="failure"/> is not null.</summary>
    public static OperationVerdict FailIf(string? failure, ErrorKind kind = ErrorKind.Integrity) =>
        failure is null ? Success : Fail(kind, failure);
}

/// <summary>Thrown by the API front ends' path when a run's verdict is a failure; carries the result the run returned.</summary>
public sealed class VerdictFailedException(OperationVerdict verdict, System.Text.Json.Nodes.JsonNode? result)
    : PgArkException(verdict.Kind ?? ErrorKind.Failed, verdict.Failure ?? "the operation reported a failure")
{
    public System.Text.Json.Nodes.JsonNode? Result { get; } = result;
}

/// <summary>Descriptions shared by the arguments many operations take, so they read the same everywhere.</summary>
public static class InputText
{
    public const string Server = "Server name, as configured under servers[].name.";
    public const string ServerOrAll = "Server name, as configured under servers[].name (default: every server).";
    public const string Database = "Database name on the server.";
    public const string Repository = "Only this repository of the server (default: each of them, in configuration order).";
    public const string Jobs = "Parallel workers (0: the configured default).";
    public const string Confirm = "Must be true: this operation is destructive.";
    public const string ConfirmUnlessRoutine =
        "Must be true to go ahead (this operation is destructive); not needed for a dry run or a run the description calls routine.";
    public const string ConfirmUnlessLocal = "API callers must pass true: this operation is destructive (the command line needs no --yes).";
    public const string DryRun = "Only plan: report what would happen and change nothing.";
    public const string Label = "Free text stored with the backup or dump.";
    public const string Tables = "Only these tables (schema.table or table); empty means the whole database.";
    public const string ArchiveTimeout = "Seconds to wait for WAL to be archived (default 60).";
}

/// <summary>Turns JSON-native input values into what the work below the operations takes, with errors that name the argument.</summary>
internal static class InputValues
{
    /// <summary>Whole seconds (1 or more) as a time span; null stays null (the default applies).</summary>
    public static TimeSpan? Seconds(int? value, string name) => value switch
    {
        null => null,
        < 1 => throw new UsageException($"argument '{name}': must be 1 or more (got {value})"),
        _ => TimeSpan.FromSeconds(value.Value),
    };
}
