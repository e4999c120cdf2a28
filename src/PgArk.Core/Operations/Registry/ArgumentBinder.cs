using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using PgArk.Core.Errors;

namespace PgArk.Core.Operations.Registry;

/// <summary>Turns snake_case JSON arguments into an operation's typed arguments record, with errors that name the argument.</summary>
public static class ArgumentBinder
{
    /// <summary>snake_case names, enums as snake_case strings, strict numbers, nullability respected.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            NumberHandling = JsonNumberHandling.Strict,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
            // Results carry quotes and paths in messages; '\u0027' would only make them harder to read.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.MakeReadOnly();
        return options;
    }

    /// <param name="caller">A local caller (the command line) may also pass the arguments only it is offered
    /// (<see cref="InputAttribute.LocalOnly"/>); to a network caller they are unknown.</param>
    internal static object Bind(RegisteredOperation operation, JsonObject arguments, OperationCaller caller)
    {
        var known = operation.ArgumentNames;
        foreach (var (name, _) in arguments)
        {
            if (!known.Contains(name, StringComparer.Ordinal) && !(name == OperationRegistry.ConfirmArgument && operation.TakesConfirm)
                && !(caller == OperationCaller.Local && operation.LocalOnlyArguments.Contains(name, StringComparer.Ordinal)))
            {
                throw new UsageException($"unknown argument '{name}' for '{operation.Name}'",
                    known.Count == 0 ? $"'{operation.Name}' takes no arguments" : $"arguments: {string.Join(", ", known)}");
            }
        }
        foreach (var name in operation.RequiredArguments)
        {
            if (arguments[name] is null)
            {
                throw new UsageException($"missing required argument '{name}' for '{operation.Name}'");
            }
        }
        try
        {
            return arguments.Deserialize(operation.ArgumentsType, Options)
                ?? throw new UsageException($"arguments for '{operation.Name}' must be an object");
        }
        catch (JsonException ex)
        {
            var name = ex.Path is { Length: > 2 } path ? path.TrimStart('$', '.').Split('.', '[')[0] : null;
            var expected = name is null ? null : Describe(operation.InputSchema["properties"]?[name]);
            throw new UsageException(name is null
                ? $"invalid arguments for '{operation.Name}'"
                : $"argument '{name}' of '{operation.Name}' has the wrong type{(expected is null ? "" : $": expected {expected}")}");
        }
    }

    private static string? Describe(JsonNode? schema)
    {
        if (schema is not JsonObject property)
        {
            return null;
        }
        if (property["enum"] is JsonArray values)
        {
            return "one of " + string.Join(", ", values.Where(v => v is not null).Select(v => v!.ToJsonString()));
        }
        return property["type"] switch
        {
            JsonValue single => single.GetValue<string>(),
            JsonArray several => string.Join(" or ", several.Select(t => t!.GetValue<string>())),
            _ => null,
        };
    }

    /// <summary>A result as JSON (snake_case, enums as strings).</summary>
    public static JsonNode? ToJson(object? result) =>
        result is null ? null : JsonSerializer.SerializeToNode(result, result.GetType(), Options);
}
