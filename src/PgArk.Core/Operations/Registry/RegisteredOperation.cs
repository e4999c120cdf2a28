using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using PgArk.Core.Common;
using PgArk.Core.Configuration;

namespace PgArk.Core.Operations.Registry;

/// <summary>
/// One operation as the API front ends see it: metadata, the JSON schema of its (snake_case) arguments, and a way to
/// run it from JSON arguments that yields a JSON result.
/// </summary>
public abstract class RegisteredOperation
{
    private JsonObject? _schema;
    private IReadOnlyList<string>? _localOnly;
    private readonly IOperation _operation;

    private protected RegisteredOperation(IOperation operation, Type argumentsType, Type resultType)
    {
        _operation = operation;
        Route = operation.Route;
        CommandAliases = operation.CommandAliases;
        ResultType = resultType;
        Name = operation.Name;
        Description = operation.Description;
        Role = operation.Role;
        Destructive = operation.Destructive;
        LongRunning = operation.LongRunning;
        ArgumentsType = argumentsType;
    }

    public string Name { get; }
    public string Description { get; }
    public OperationRole Role { get; }
    public bool Destructive { get; }
    public bool LongRunning { get; }

    /// <summary>Viewer operations only read (MCP's readOnlyHint).</summary>
    public bool ReadOnly => Role == OperationRole.Viewer;

    public Type ArgumentsType { get; }

    /// <summary>What a run returns before it becomes JSON (CLI renderers are chosen by it).</summary>
    public Type ResultType { get; }

    /// <summary>The REST resource route the operation declares, if any.</summary>
    public OperationRoute? Route { get; }

    /// <summary>Other names of the operation's generated command-line command.</summary>
    public IReadOnlyList<string> CommandAliases { get; }

    /// <summary>The arguments record has its own <c>confirm</c> (the operation checks it too), so it is passed through.</summary>
    internal bool TakesConfirm => typeof(IConfirmedInput).IsAssignableFrom(ArgumentsType);

    /// <summary>
    /// Whether some runs of this destructive operation go without confirmation (a dry run, or what its input's
    /// <see cref="IConfirmationPolicy"/> calls routine): <c>confirm</c> is then optional in the schema.
    /// </summary>
    public bool ConfirmationDependsOnInput => Destructive
        && (typeof(IDryRunInput).IsAssignableFrom(ArgumentsType) || typeof(IConfirmationPolicy).IsAssignableFrom(ArgumentsType));

    /// <summary>
    /// Whether a run with these bound arguments needs confirmation from <paramref name="caller"/>: destructive, and not a
    /// dry run, a routine run, or a command-line run of an <see cref="ILocallyConfirmedInput"/> that does not ask for it.
    /// </summary>
    public bool NeedsConfirmation(object arguments, OperationCaller caller = OperationCaller.Remote) => Destructive
        && !(caller == OperationCaller.Local && arguments is ILocallyConfirmedInput { NeedsLocalConfirmation: false }) && arguments switch
    {
        IConfirmationPolicy policy => policy.NeedsConfirmation,
        IDryRunInput { DryRun: true } => false,
        _ => true,
    };

    /// <summary>Arguments (snake_case) only the command line may give (<see cref="InputAttribute.LocalOnly"/>).</summary>
    public IReadOnlyList<string> LocalOnlyArguments => _localOnly ??= ArgumentsType
        .GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
        .Where(p => p.GetCustomAttributes(typeof(InputAttribute), true) is [InputAttribute { LocalOnly: true }, ..])
        .Select(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name)).ToList();

    /// <summary>The operation's verdict on a result one of its runs returned.</summary>
    public OperationVerdict VerdictOf(object? result) => _operation.VerdictOf(result);

    /// <summary>JSON schema of the arguments object; destructive operations also require <c>confirm: true</c>.</summary>
    public JsonObject InputSchema => (JsonObject)(_schema ??= BuildSchema()).DeepClone();

    /// <summary>Argument names (snake_case) the operation accepts, besides <c>confirm</c>.</summary>
    public IReadOnlyList<string> ArgumentNames => ((JsonObject?)(_schema ??= BuildSchema())["properties"])?.Select(p => p.Key)
        .Where(k => k != OperationRegistry.ConfirmArgument).ToList() ?? [];

    /// <summary>Names of arguments without a default.</summary>
    public IReadOnlyList<string> RequiredArguments => ((JsonArray?)(_schema ??= BuildSchema())["required"])?
        .Select(n => n!.GetValue<string>()).Where(k => k != OperationRegistry.ConfirmArgument).ToList() ?? [];

    internal Task<object?> RunAsync(OperationContext context, object arguments, CancellationToken cancellationToken) =>
        RunAsync(context, arguments, null, cancellationToken);

    internal abstract Task<object?> RunAsync(OperationContext context, object arguments, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken);

    private JsonObject BuildSchema()
    {
        var node = ArgumentBinder.Options.GetJsonSchemaAsNode(ArgumentsType,
            new JsonSchemaExporterOptions { TreatNullObliviousAsNonNullable = true, TransformSchemaNode = Describe });
        var schema = node as JsonObject ?? new JsonObject { ["type"] = "object" };
        schema["properties"] ??= new JsonObject();
        schema["additionalProperties"] = false;
        if (Destructive || TakesConfirm)
        {
            var properties = (JsonObject)schema["properties"]!;
            var confirm = new JsonObject
            {
                ["type"] = "boolean",
                ["description"] = properties[OperationRegistry.ConfirmArgument]?["description"]?.DeepClone()
                    ?? (ConfirmationDependsOnInput ? InputText.ConfirmUnlessRoutine
                        : typeof(ILocallyConfirmedInput).IsAssignableFrom(ArgumentsType) ? InputText.ConfirmUnlessLocal
                        : InputText.Confirm),
            };
            properties[OperationRegistry.ConfirmArgument] = confirm;
            var required = schema["required"] as JsonArray ?? [];
            if (!ConfirmationDependsOnInput && !required.Any(r => r?.GetValue<string>() == OperationRegistry.ConfirmArgument))
            {
                required.Add(OperationRegistry.ConfirmArgument);
            }
            schema["required"] = required;
        }
        return schema;
    }

    /// <summary>Each property's <see cref="InputAttribute"/> text becomes its schema description.</summary>
    private static JsonNode Describe(JsonSchemaExporterContext context, JsonNode schema)
    {
        if (context.PropertyInfo?.AttributeProvider?.GetCustomAttributes(typeof(InputAttribute), true) is [InputAttribute input, ..]
            && schema is JsonObject property)
        {
            property.Insert(0, "description", input.Description);
        }
        return schema;
    }
}

internal sealed class RegisteredOperation<TArguments, TResult>(
    IOperation operation, Func<OperationContext, TArguments, IProgress<OperationProgress>?, CancellationToken, Task<TResult>> run)
    : RegisteredOperation(operation, typeof(TArguments), typeof(TResult))
{
    /// <summary>An operation that reports no progress.</summary>
    public RegisteredOperation(IOperation operation, Func<OperationContext, TArguments, CancellationToken, Task<TResult>> run)
        : this(operation, (c, a, _, ct) => run(c, a, ct))
    {
    }

    internal override async Task<object?> RunAsync(OperationContext context, object arguments, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken) =>
        await run(context, (TArguments)arguments, progress, cancellationToken).ConfigureAwait(false);
}
