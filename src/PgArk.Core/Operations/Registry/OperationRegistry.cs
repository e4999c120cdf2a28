using System.Reflection;
using System.Reflection.Metadata;
using System.Text.Json;
using System.Text.Json.Nodes;
using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Errors;

namespace PgArk.Core.Operations.Registry;

/// <summary>
/// The result of a registry run: which operation ran (after aliases), its result (typed, for renderers, and as the JSON every
/// front end returns) and the operation's verdict on it.
/// </summary>
public sealed record OperationInvocation(RegisteredOperation Operation, JsonNode? Result, object? Value, OperationVerdict Verdict)
{
    /// <summary>Throws <see cref="VerdictFailedException"/> when the verdict is a failure.</summary>
    public OperationInvocation ThrowIfFailed() => Verdict.Failed ? throw new VerdictFailedException(Verdict, Result) : this;
}

/// <summary>The registry's view of an operation: how to run it from JSON arguments (or null when it is not registered).</summary>
internal interface IRegistrable
{
    RegisteredOperation? Registration { get; }
}

/// <summary>
/// Every operation the API front ends (REST, MCP, the assistant) and the generated CLI expose, each once, plus seed 000's
/// aliases (DESIGN.md, "Operations"). The CLI-only operations (archive_push, archive_get, quickstart) are not here.
/// Through the API (<see cref="OperationCaller.Remote"/>) export_table and import_table read and write files only inside
/// the configured export folder (exports.path).
/// </summary>
public sealed class OperationRegistry
{
    public const string ConfirmArgument = "confirm";
    public const string DatabaseArgument = "database";
    public const string ServerArgument = "server";

    private static readonly Dictionary<string, (string Target, string? Type)> s_aliases = new(StringComparer.Ordinal)
    {
        ["trigger_incremental_backup"] = ("backup", "incr"),
        ["trigger_full_backup"] = ("backup", "full"),
    };

    private readonly Dictionary<string, RegisteredOperation> _byName;

    public OperationRegistry(IEnumerable<RegisteredOperation> operations)
    {
        Operations = operations.ToList();
        _byName = new Dictionary<string, RegisteredOperation>(StringComparer.Ordinal);
        foreach (var operation in Operations)
        {
            if (!_byName.TryAdd(operation.Name, operation))
            {
                throw new InvalidOperationException($"operation '{operation.Name}' is registered twice");
            }
        }
    }

    public static OperationRegistry Default { get; } = new(CreateDefault());

    public IReadOnlyList<RegisteredOperation> Operations { get; }

    public static IReadOnlyCollection<string> Aliases => s_aliases.Keys;

    /// <summary>
    /// Every operation of this assembly that registers itself (<see cref="Operation{TInput,TResult}.Registered"/>), by name:
    /// adding an operation is adding its file. Created once per process, on first use (archive-push never asks for it).
    /// </summary>
    private static IEnumerable<RegisteredOperation> CreateDefault() => FindOperationTypes()
        .Select(t => t.GetConstructors().FirstOrDefault(c => c.GetParameters().All(p => p.IsOptional)) is { } constructor
            ? (IRegistrable)constructor.Invoke(constructor.GetParameters().Select(p => p.DefaultValue).ToArray())
            : throw new InvalidOperationException($"operation {t.Name} needs a constructor without required parameters"))
        .Select(o => o.Registration)
        .OfType<RegisteredOperation>()
        .OrderBy(o => o.Name, StringComparer.Ordinal);

    /// <summary>
    /// The non-abstract classes of this assembly deriving from <see cref="Operation{TInput,TResult}"/>, found in its metadata
    /// and only then loaded: <see cref="System.Reflection.Assembly.GetTypes"/> would load every type of Core and with them
    /// Npgsql, the AWS SDK and MailKit, which made <c>pgark --help</c> about 250 ms slower.
    /// </summary>
    private static unsafe List<Type> FindOperationTypes()
    {
        var assembly = typeof(OperationRegistry).Assembly;
        if (!assembly.TryGetRawMetadata(out var blob, out var length))
        {
            return assembly.GetTypes()
                .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IRegistrable).IsAssignableFrom(t))
                .ToList();
        }
        var reader = new MetadataReader(blob, length);
        var operationType = typeof(Operation<,>);
        var types = new List<Type>();
        foreach (var handle in reader.TypeDefinitions)
        {
            var definition = reader.GetTypeDefinition(handle);
            if ((definition.Attributes & TypeAttributes.Abstract) != 0 || definition.BaseType.Kind != HandleKind.TypeSpecification)
            {
                continue;
            }
            var signature = reader.GetBlobReader(reader.GetTypeSpecification((TypeSpecificationHandle)definition.BaseType).Signature);
            if (signature.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance)
            {
                continue;
            }
            signature.ReadSignatureTypeCode(); // class
            if (signature.ReadTypeHandle() is { Kind: HandleKind.TypeDefinition } generic
                && reader.GetTypeDefinition((TypeDefinitionHandle)generic) is var baseDefinition
                && reader.GetString(baseDefinition.Name) == operationType.Name
                && reader.GetString(baseDefinition.Namespace) == operationType.Namespace)
            {
                types.Add(assembly.GetType(FullName(reader, definition), throwOnError: true)!);
            }
        }
        return types;
    }

    private static string FullName(MetadataReader reader, TypeDefinition definition) => definition.GetDeclaringType() is { IsNil: false } outer
        ? FullName(reader, reader.GetTypeDefinition(outer)) + "+" + reader.GetString(definition.Name)
        : reader.GetString(definition.Namespace) + "." + reader.GetString(definition.Name);

    /// <summary>Registers an operation whose input record is its argument record.</summary>
    public static RegisteredOperation Register<TInput, TResult>(Operation<TInput, TResult> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return operation.Register();
    }

    /// <summary>The operation named <paramref name="name"/> (aliases resolved).</summary>
    /// <exception cref="NotFoundException">No such operation or alias.</exception>
    public RegisteredOperation Get(string name)
    {
        var target = s_aliases.TryGetValue(name, out var alias) ? alias.Target : name;
        return _byName.TryGetValue(target, out var operation)
            ? operation
            : throw new NotFoundException($"unknown tool '{name}'",
                $"tools: {string.Join(", ", Operations.Select(o => o.Name).Concat(s_aliases.Keys))}");
    }

    /// <summary>
    /// Runs <paramref name="tool"/> with JSON <paramref name="arguments"/> (an object, or null/undefined for none): resolves
    /// aliases and <c>db_name</c>, checks confirmation, binds the arguments, runs, and serializes the result.
    /// </summary>
    public Task<OperationInvocation> InvokeAsync(OperationContext context, string tool, JsonElement? arguments,
        CancellationToken cancellationToken) => InvokeAsync(context, tool, arguments, null, cancellationToken);

    /// <summary>
    /// <see cref="InvokeAsync(OperationContext, string, JsonElement?, CancellationToken)"/>, reporting progress of long operations.
    /// A result whose verdict is a failure throws <see cref="VerdictFailedException"/> (REST, MCP and jobs report it as an error).
    /// </summary>
    public async Task<OperationInvocation> InvokeAsync(OperationContext context, string tool, JsonElement? arguments,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken) =>
        (await RunAsync(context, tool, arguments, progress, cancellationToken).ConfigureAwait(false)).ThrowIfFailed();

    /// <summary>Like <see cref="InvokeAsync(OperationContext, string, JsonElement?, IProgress{OperationProgress}?, CancellationToken)"/>,
    /// but a failing verdict is returned, not thrown: the CLI renders the result first and then exits with the verdict's code.</summary>
    public async Task<OperationInvocation> RunAsync(OperationContext context, string tool, JsonElement? arguments,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var (operation, bound) = await PrepareAsync(context, tool, arguments, cancellationToken).ConfigureAwait(false);
        var result = await operation.RunAsync(context, bound, progress, cancellationToken).ConfigureAwait(false);
        return new OperationInvocation(operation, ArgumentBinder.ToJson(result), result, operation.VerdictOf(result));
    }

    /// <summary>Runs already prepared arguments (<see cref="PrepareAsync"/>) and serializes the result; a failing verdict throws.</summary>
    public static async Task<JsonNode?> RunPreparedAsync(OperationContext context, RegisteredOperation operation, object arguments,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var result = await operation.RunAsync(context, arguments, progress, cancellationToken).ConfigureAwait(false);
        return new OperationInvocation(operation, ArgumentBinder.ToJson(result), result, operation.VerdictOf(result)).ThrowIfFailed().Result;
    }

    /// <summary>Everything <see cref="InvokeAsync"/> does before running: the operation and its typed arguments.</summary>
    public async Task<(RegisteredOperation Operation, object Arguments)> PrepareAsync(OperationContext context, string tool,
        JsonElement? arguments, CancellationToken cancellationToken)
    {
        var operation = Get(tool);
        var args = ToObject(arguments);
        if (s_aliases.TryGetValue(tool, out var alias) && alias.Type is not null)
        {
            if (args["type"] is { } given && given.GetValueKind() == JsonValueKind.String && given.GetValue<string>() != alias.Type)
            {
                throw new UsageException($"'{tool}' always takes a {alias.Type} backup; use 'backup' for type '{given.GetValue<string>()}'");
            }
            args["type"] = alias.Type;
        }
        if (args.ContainsKey("db_name"))
        {
            if (args.ContainsKey(DatabaseArgument))
            {
                throw new UsageException("give either 'db_name' or 'database', not both");
            }
            var value = args["db_name"];
            args.Remove("db_name");
            args[DatabaseArgument] = value;
        }
        CheckLocalOnly(context, operation, args);
        var confirmed = CheckConfirmation(operation, args);
        CheckParallelWorkers(context, args);
        await ResolveDatabaseAsync(context, operation, args, cancellationToken).ConfigureAwait(false);
        var bound = ArgumentBinder.Bind(operation, args);
        // Whether this run needs confirmation is the input's to say (a dry run never does): checked on the bound input,
        // before anything runs, so that every front end refuses the same runs.
        if (operation.NeedsConfirmation(bound, context.Caller) && !confirmed)
        {
            throw new ConfirmationRequiredException($"'{operation.Name}' is destructive and needs confirmation",
                $"pass \"{ConfirmArgument}\": true to go ahead");
        }
        return (operation, bound);
    }

    private static JsonObject ToObject(JsonElement? arguments)
    {
        if (arguments is null || arguments.Value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return [];
        }
        if (arguments.Value.ValueKind != JsonValueKind.Object)
        {
            throw new UsageException($"'arguments' must be a JSON object, not {arguments.Value.ValueKind.ToString().ToLowerInvariant()}");
        }
        return JsonObject.Create(arguments.Value.Clone())!;
    }

    /// <summary>
    /// A network caller's <c>jobs</c> (parallel workers) is bounded by <c>api.limits.maxParallelWorkers</c>: each worker
    /// is a process or a database connection on the host, and the operator at the shell, not a remote key, decides how
    /// many of those one call may take.
    /// </summary>
    private static void CheckParallelWorkers(OperationContext context, JsonObject args)
    {
        if (context.Caller != OperationCaller.Remote || args["jobs"] is not { } jobs || jobs.GetValueKind() != JsonValueKind.Number)
        {
            return;
        }
        var limit = (context.Options.Api?.Limits ?? Configuration.ApiLimits.Default).MaxParallelWorkers;
        if (double.TryParse(jobs.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var asked)
            && asked > limit)
        {
            throw new UsageException($"argument 'jobs' may be at most {limit} for a network caller (api.limits.maxParallelWorkers)",
                "0 means one per core");
        }
    }

    /// <summary>
    /// A network caller may not give an argument that names a host folder only the operator at the shell may choose
    /// (<see cref="InputAttribute.LocalOnly"/>: where restore_database puts its sandbox, where restore links pg_wal).
    /// </summary>
    private static void CheckLocalOnly(OperationContext context, RegisteredOperation operation, JsonObject args)
    {
        if (context.Caller == OperationCaller.Remote && operation.LocalOnlyArguments.FirstOrDefault(args.ContainsKey) is { } name)
        {
            throw new PermissionDeniedException(
                $"argument '{name}' of '{operation.Name}' is for the command line only: an API caller may not choose it",
                "leave it out; the default is used");
        }
    }

    /// <summary>Checks the type of <c>confirm</c> and removes it when the input has none of its own; returns its value.</summary>
    private static bool CheckConfirmation(RegisteredOperation operation, JsonObject args)
    {
        var confirm = args[ConfirmArgument];
        if (!operation.TakesConfirm)
        {
            args.Remove(ConfirmArgument);
        }
        if (confirm is not null && confirm.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw new UsageException($"argument '{ConfirmArgument}' must be true or false");
        }
        return confirm?.GetValue<bool>() == true;
    }

    /// <summary>
    /// A database names its server: when 'server' is not given it is looked up (list_databases). Operations that work on
    /// a whole cluster (backup) take the server only; the database is dropped once it has located it.
    /// </summary>
    private static async Task ResolveDatabaseAsync(OperationContext context, RegisteredOperation operation, JsonObject args,
        CancellationToken cancellationToken)
    {
        if (args[DatabaseArgument] is not { } databaseNode || !operation.ArgumentNames.Contains(ServerArgument))
        {
            return;
        }
        if (databaseNode.GetValueKind() != JsonValueKind.String)
        {
            throw new UsageException($"argument '{DatabaseArgument}' of '{operation.Name}' has the wrong type: expected string");
        }
        if (args[ServerArgument] is null)
        {
            args[ServerArgument] = await new ListDatabasesOperation()
                .FindServerAsync(context, databaseNode.GetValue<string>(), cancellationToken).ConfigureAwait(false);
        }
        if (!operation.ArgumentNames.Contains(DatabaseArgument))
        {
            args.Remove(DatabaseArgument);
        }
    }
}
