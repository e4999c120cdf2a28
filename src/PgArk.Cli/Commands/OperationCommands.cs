using System.CommandLine;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using PgArk.Cli.Rendering;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Registry;

namespace PgArk.Cli.Commands;

/// <summary>
/// <c>pgark &lt;operation&gt;</c> generated from the registry: one kebab-case option per argument of the operation's input
/// (plus the aliases and positional arguments the input declares with <see cref="InputAttribute"/>), run through the same
/// path as REST and MCP (<see cref="OperationRegistry.RunAsync"/>), rendered by <see cref="TextRenderers"/> or, with
/// <c>--output json</c>, printed as exactly the JSON REST and MCP return. A failing verdict exits with its code. An
/// operation may stream what it produces to stdout (<see cref="OperationContext.StandardOutput"/>: export without
/// <c>--to</c>); its result is then rendered on stderr, so that stdout holds only those bytes.
/// </summary>
internal static class OperationCommands
{
    private const string DryRunArgument = "dry_run";

    /// <summary>The command name of an operation: its registry name in kebab case (list_dumps → list-dumps).</summary>
    public static string CommandName(RegisteredOperation operation) => operation.Name.Replace('_', '-');

    /// <summary>The command's name and aliases.</summary>
    public static IEnumerable<string> Names(RegisteredOperation operation) => operation.CommandAliases.Prepend(CommandName(operation));

    /// <summary>
    /// Whether <paramref name="args"/> name the operation's command: its name or an alias, or its name's words as a
    /// subcommand path (notify_test is <c>notify test</c>).
    /// </summary>
    public static bool IsNamedIn(RegisteredOperation operation, IReadOnlyList<string> args)
    {
        if (Names(operation).Any(args.Contains))
        {
            return true;
        }
        var words = operation.Name.Split('_');
        for (var i = 0; i + words.Length <= args.Count; i++)
        {
            if (words.Select((w, j) => args[i + j] == w).All(m => m))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Commands for the registry's operations that no hand-written command already covers; those <paramref name="inFull"/>
    /// does not select are outlines (name, aliases, description: what the root help shows) and cost no schema.
    /// </summary>
    public static IEnumerable<Command> CreateMissing(CommandFactory factory, OperationRegistry registry, IReadOnlyCollection<string> taken,
        Func<RegisteredOperation, bool> inFull) =>
        registry.Operations.Where(o => !Names(o).Any(taken.Contains)).Select(o => inFull(o) ? Create(factory, registry, o) : Outline(o));

    /// <summary>Name, aliases and description only: what the help of the command above it shows.</summary>
    public static Command Outline(RegisteredOperation operation, string? name = null)
    {
        var command = new Command(name ?? CommandName(operation), operation.Description);
        foreach (var alias in operation.CommandAliases)
        {
            command.Aliases.Add(alias);
        }
        return command;
    }

    /// <param name="name">The command's name when it is a subcommand (default: the operation's kebab-case name).</param>
    public static Command Create(CommandFactory factory, OperationRegistry registry, RegisteredOperation operation, string? name = null)
    {
        var bindings = Bindings(operation).ToList();
        var command = factory.Create(name ?? CommandName(operation), operation.Description, async (context, ct) =>
        {
            var arguments = new JsonObject();
            foreach (var binding in bindings)
            {
                if (binding.Read(context.ParseResult) is { } value)
                {
                    arguments[binding.Name] = value;
                }
            }
            var commandName = name ?? CommandName(operation);
            var standardOutput = new StandardOutputSink(context);
            var operationContext = context.LoadOperationContext(standardOutput.Open);
            OperationInvocation invocation;
            try
            {
                invocation = await RunAsync(context, registry, operation, operationContext, arguments, ct);
            }
            catch (ConfirmationRequiredException) when (arguments[OperationRegistry.ConfirmArgument] is null)
            {
                // The registry refused before anything ran (the input says whether this run needs confirmation; a dry run
                // never does). An operation that can plan shows what --yes would do first (restore-database prints its
                // plan); then on a terminal the user is asked, and elsewhere the command line's word for it is --yes.
                if (operation.ArgumentNames.Contains(DryRunArgument) && arguments[DryRunArgument] is null)
                {
                    var plan = (JsonObject)arguments.DeepClone();
                    plan[DryRunArgument] = true;
                    await RenderAsync(context, await RunAsync(context, registry, operation, operationContext, plan, ct));
                }
                if (!await ConfirmAsync(context, commandName))
                {
                    throw new ConfirmationRequiredException($"'{commandName}' is destructive and needs confirmation", "add --yes to go ahead");
                }
                arguments[OperationRegistry.ConfirmArgument] = true;
                invocation = await RunAsync(context, registry, operation, operationContext, arguments, ct);
            }
            await standardOutput.FlushAsync(ct);
            if (standardOutput.Used)
            {
                using var onError = new CliContext(context.ParseResult, context.Error, context.Error);
                await RenderAsync(onError, invocation);
            }
            else
            {
                await RenderAsync(context, invocation);
            }
            return invocation.Verdict.Failed ? throw new PgArkException(invocation.Verdict.Kind!.Value, invocation.Verdict.Failure!) : 0;
        }, bindings.Select(b => b.Symbol).ToArray());
        foreach (var alias in operation.CommandAliases)
        {
            command.Aliases.Add(alias);
        }
        return command;
    }

    /// <summary>With <c>--output json</c> exactly the JSON REST and MCP return; else the result's text renderer.</summary>
    private static async Task RenderAsync(CliContext context, OperationInvocation invocation)
    {
        if (context.Format == OutputFormat.Json)
        {
            await context.Out.WriteLineAsync(invocation.Result?.ToJsonString(ArgumentBinder.Options) ?? "null");
        }
        else
        {
            await TextRenderers.RenderAsync(context, invocation);
        }
    }

    private static async Task<OperationInvocation> RunAsync(CliContext context, OperationRegistry registry, RegisteredOperation operation,
        OperationContext operationContext, JsonObject arguments, CancellationToken ct)
    {
        using var document = JsonDocument.Parse(arguments.ToJsonString());
        return operation.LongRunning
            ? await ProgressRenderer.RunAsync(context, CommandName(operation),
                progress => registry.RunAsync(operationContext, operation.Name, document.RootElement, progress, ct))
            : await registry.RunAsync(operationContext, operation.Name, document.RootElement, null, ct);
    }

    /// <summary>Asks on the terminal; false without one (scripts and tests pass --yes).</summary>
    private static async Task<bool> ConfirmAsync(CliContext context, string commandName)
    {
        if (Console.IsInputRedirected || !ReferenceEquals(context.Error, Console.Error) || Console.IsErrorRedirected)
        {
            return false;
        }
        await context.Error.WriteAsync($"'{commandName}' is destructive. Go ahead? [y/N] ");
        var answer = await Console.In.ReadLineAsync();
        return answer?.Trim().ToLowerInvariant() is "y" or "yes";
    }

    private sealed record Binding(string Name, Symbol Symbol, Func<ParseResult, JsonNode?> Read);

    private static IEnumerable<Binding> Bindings(RegisteredOperation operation)
    {
        var schema = operation.InputSchema;
        var properties = (JsonObject?)schema["properties"] ?? [];
        var required = ((JsonArray?)schema["required"])?.Select(r => r!.GetValue<string>()).ToHashSet(StringComparer.Ordinal) ?? [];
        var declared = operation.ArgumentsType.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .ToDictionary(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name), p => p.GetCustomAttribute<InputAttribute>(), StringComparer.Ordinal);
        var onByDefault = operation.ArgumentsType.GetConstructors().SelectMany(c => c.GetParameters())
            .Where(p => p is { HasDefaultValue: true, DefaultValue: true } && p.ParameterType == typeof(bool))
            .Select(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name!)).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, node) in properties)
        {
            var property = (JsonObject)node!;
            var input = declared.GetValueOrDefault(name);
            var types = Types(property);
            var description = property["description"]?.GetValue<string>() ?? "";
            if (property["enum"] is JsonArray values)
            {
                description += $" One of: {string.Join(", ", values.Where(v => v is not null).Select(v => v!.GetValue<string>()))}.";
            }
            var optionName = "--" + name.Replace('_', '-');
            // -s for the server is the command line's convention; --yes confirms an operation whose input has no confirm of its own.
            var aliases = input?.Aliases is { Length: > 0 } declaredAliases ? declaredAliases : name switch
            {
                OperationRegistry.ConfirmArgument => ["--yes", "-y"],
                OperationRegistry.ServerArgument => ["-s"],
                _ => [],
            };
            if (types.Contains("boolean") && onByDefault.Contains(name))
            {
                // A boolean that defaults to true is turned off: --no-<name>, or the flag the input declares (--no-header).
                var negated = "--no-" + name.Replace('_', '-');
                var flag = aliases.Length > 0
                    ? new Option<bool>(aliases[0], [.. aliases.Skip(1), negated])
                    : new Option<bool>(negated);
                flag.Description = $"Sets {name} to false (default true). {description}";
                yield return new Binding(name, flag, p => p.GetValue(flag) ? JsonValue.Create(false) : null);
            }
            else if (types.Contains("boolean"))
            {
                var flag = new Option<bool>(optionName, aliases) { Description = description };
                yield return new Binding(name, flag, p => p.GetValue(flag) ? JsonValue.Create(true) : null);
            }
            else if (IsMapOfStrings(property, types))
            {
                // A map of names to strings (restore's tablespace_map), or to any value (export's where: a string is then
                // compared as the column's text), reads best as repeated KEY=VALUE.
                var map = new Option<string[]>(optionName, aliases)
                {
                    Description = description + " KEY=VALUE; repeat for more.",
                    Required = required.Contains(name),
                    AllowMultipleArgumentsPerToken = false,
                };
                yield return new Binding(name, map, p => p.GetValue(map) is { Length: > 0 } entries ? Map(optionName, entries) : null);
            }
            else if (types.Contains("array"))
            {
                var list = new Option<string[]>(optionName, aliases) { Description = description + " Repeat for more.", Required = required.Contains(name) };
                yield return new Binding(name, list, p => p.GetValue(list) is { Length: > 0 } items
                    ? new JsonArray(items.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray()) : null);
            }
            else if (input?.Positional == true)
            {
                var argument = new Argument<string?>(name.Replace('_', '-'))
                {
                    Description = description,
                    Arity = required.Contains(name) ? ArgumentArity.ExactlyOne : ArgumentArity.ZeroOrOne,
                };
                yield return new Binding(name, argument, p => p.GetValue(argument) is { } text ? Convert(name, text, types) : null);
            }
            else
            {
                var option = new Option<string?>(optionName, aliases) { Description = description, Required = required.Contains(name) };
                yield return new Binding(name, option, p => p.GetValue(option) is { } text ? Convert(name, text, types) : null);
            }
        }
    }

    /// <summary>An object of names to values a string can give: no fixed properties, values of any type or strings.</summary>
    private static bool IsMapOfStrings(JsonObject property, string[] types) =>
        types.Contains("object") && property["properties"] is null && property["additionalProperties"] switch
        {
            null => true,
            JsonObject valueSchema => Types(valueSchema).Contains("string"),
            JsonValue any => any.GetValueKind() == JsonValueKind.True,
            _ => false,
        };

    private static string[] Types(JsonObject property) => property["type"] switch
    {
        JsonValue single => [single.GetValue<string>()],
        JsonArray several => several.Select(t => t!.GetValue<string>()).ToArray(),
        _ => ["string"],
    };

    private static JsonObject Map(string option, string[] entries)
    {
        var map = new JsonObject();
        foreach (var entry in entries)
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == entry.Length - 1)
            {
                throw new UsageException($"{option} '{entry}' is not KEY=VALUE");
            }
            if (map.ContainsKey(entry[..eq]))
            {
                throw new UsageException($"{option}: '{entry[..eq]}' is given twice");
            }
            map[entry[..eq]] = entry[(eq + 1)..];
        }
        return map;
    }

    /// <summary>Command-line text to the JSON type the schema gives the argument; the registry's binder checks the rest.</summary>
    private static JsonNode? Convert(string name, string text, string[] types)
    {
        var option = "--" + name.Replace('_', '-');
        if (types.Contains("integer"))
        {
            return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
                ? JsonValue.Create(number)
                : throw new UsageException($"{option}: '{text}' is not an integer");
        }
        if (types.Contains("number"))
        {
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                ? JsonValue.Create(value)
                : throw new UsageException($"{option}: '{text}' is not a number");
        }
        if (types.Contains("object"))
        {
            try
            {
                return JsonNode.Parse(text) as JsonObject ?? throw new UsageException($"{option}: give a JSON object");
            }
            catch (JsonException)
            {
                throw new UsageException($"{option}: '{text}' is not a JSON object");
            }
        }
        return JsonValue.Create(text);
    }
}
