using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using PgArk.Core.Common;

namespace PgArk.Core.Operations.Registry;

/// <summary>
/// One operation as the API front ends see it: metadata, the JSON schema of its (snake_case) arguments, and a way to
/// run it from JSON arguments that yields a JSON result.
/// </summary>
public abstract class RegisteredOperation
{
    private JsonObject? _schema;

    private protected RegisteredOperation(IOperation operation, Type argumentsType)
    {
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

    /// <summary>The arguments record has its own <c>confirm</c> (the operation checks it too), so it is passed through.</summary>
    internal bool TakesConfirm => ((JsonObject?)(_schema ??= BuildSchema())["properties"])?[OperationRegistry.ConfirmArgument]?["x-pgark-own"] is not null;

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
            new JsonSchemaExporterOptions { TreatNullObliviousAsNonNullable = true });
        var schema = node as JsonObject ?? new JsonObject { ["type"] = "object" };
        schema["properties"] ??= new JsonObject();
        schema["additionalProperties"] = false;
        var own = ((JsonObject)schema["properties"]!).ContainsKey(OperationRegistry.ConfirmArgument);
        if (Destructive || own)
        {
            var confirm = new JsonObject
            {
                ["type"] = "boolean",
                ["description"] = "Must be true: this operation is destructive.",
            };
            if (own)
            {
                confirm["x-pgark-own"] = true;
            }
            ((JsonObject)schema["properties"]!)[OperationRegistry.ConfirmArgument] = confirm;
            var required = schema["required"] as JsonArray ?? [];
            if (!required.Any(r => r?.GetValue<string>() == OperationRegistry.ConfirmArgument))
            {
                required.Add(OperationRegistry.ConfirmArgument);
            }
            schema["required"] = required;
        }
        return schema;
    }
}

internal sealed class RegisteredOperation<TArguments, TResult>(
    IOperation operation, Func<OperationContext, TArguments, IProgress<OperationProgress>?, CancellationToken, Task<TResult>> run)
    : RegisteredOperation(operation, typeof(TArguments))
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
