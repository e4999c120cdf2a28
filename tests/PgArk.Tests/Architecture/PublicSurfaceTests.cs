using System.Reflection;
using PgArk.Core.Operations;

namespace PgArk.Tests.Architecture;

/// <summary>
/// Internal by default (issue 12): PgArk.Core's public surface is the operations (PgArk.Core.Operations* and every
/// operation class elsewhere), the configuration/options types (PgArk.Core.Configuration*) and the errors
/// (PgArk.Core.Errors* and every exception type),
/// plus exactly the types their public signatures expose. Any other public type of Core fails here: make it internal
/// (Cli, Server, Assistant and the tests see internals).
/// </summary>
public class PublicSurfaceTests
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static
        | BindingFlags.DeclaredOnly;

    private static readonly Assembly s_core = typeof(OperationContext).Assembly;

    /// <summary>
    /// Public only because a public xUnit theory of PgArk.Tests takes them as a parameter (a public method cannot name an
    /// internal type). The list may only shrink.
    /// </summary>
    private static readonly HashSet<string> s_forTheories = new(StringComparer.Ordinal)
    {
        "PgArk.Core.Notifications.Alerts.AlertKind", // AlertEvaluatorTests
        "PgArk.Core.Physical.RelationFork", // RelationFileNameTests
    };

    [Fact]
    public void EveryPublicCoreType_IsAnOperationConfigurationOrError_OrExposedByTheirSignatures()
    {
        var roots = s_core.GetExportedTypes().Where(t => !t.IsNested && IsFamily(t)).ToList();
        var reachable = Reachable(roots);

        var stray = s_core.GetExportedTypes()
            .Where(t => !t.IsNested && !IsFamily(t) && !reachable.Contains(t) && !s_forTheories.Contains(t.FullName!))
            .Select(t => t.FullName)
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(stray.Count == 0, "public types of PgArk.Core outside the public surface (make them internal): " + string.Join(", ", stray));
    }

    [Fact]
    public void TheRule_SeesTheFamilies_AndLeavesTheRestInternal()
    {
        Assert.Contains(s_core.GetExportedTypes(), t => t.Namespace == "PgArk.Core.Operations");
        Assert.Contains(s_core.GetExportedTypes(), t => t.Namespace?.StartsWith("PgArk.Core.Configuration", StringComparison.Ordinal) == true);
        Assert.Contains(s_core.GetExportedTypes(), t => typeof(Exception).IsAssignableFrom(t));
        // Implementation types stay internal: a sample of capabilities' workers.
        Assert.False(typeof(PgArk.Core.Codecs.CountingStream).IsPublic);
        Assert.False(s_core.GetType("PgArk.Core.Catalog.BackupHistoryTable", throwOnError: true)!.IsPublic);
    }

    private static bool IsFamily(Type type)
    {
        var ns = type.Namespace ?? "";
        return ns.StartsWith("PgArk.Core.Operations", StringComparison.Ordinal)
            || ns.StartsWith("PgArk.Core.Configuration", StringComparison.Ordinal)
            || ns.StartsWith("PgArk.Core.Errors", StringComparison.Ordinal)
            || typeof(Exception).IsAssignableFrom(type)
            || IsOperation(type);
    }

    /// <summary>An operation class outside PgArk.Core.Operations (schedule lives with the scheduler).</summary>
    private static bool IsOperation(Type? type) =>
        type is not null && ((type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Operation<,>)) || IsOperation(type.BaseType));

    /// <summary>Core's top-level types named by the visible (public/protected) signatures of <paramref name="roots"/>, transitively.</summary>
    private static HashSet<Type> Reachable(IEnumerable<Type> roots)
    {
        var found = new HashSet<Type>();
        var scanned = new HashSet<Type>();
        var queue = new Queue<Type>(roots);
        while (queue.TryDequeue(out var type))
        {
            if (!scanned.Add(type))
            {
                continue;
            }
            foreach (var named in Signature(type).SelectMany(Flatten).Where(t => t.Assembly == s_core))
            {
                var top = named;
                while (top.DeclaringType is { } outer)
                {
                    top = outer;
                }
                found.Add(top);
                queue.Enqueue(named);
                queue.Enqueue(top);
            }
        }
        return found;
    }

    private static IEnumerable<Type> Signature(Type type)
    {
        if (type.BaseType is { } baseType)
        {
            yield return baseType;
        }
        foreach (var implemented in type.GetInterfaces())
        {
            yield return implemented;
        }
        foreach (var field in type.GetFields(Declared).Where(f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly))
        {
            yield return field.FieldType;
        }
        foreach (var property in type.GetProperties(Declared).Where(p => Visible(p.GetMethod) || Visible(p.SetMethod)))
        {
            yield return property.PropertyType;
        }
        foreach (var method in type.GetMethods(Declared).Where(m => Visible(m) && !m.IsSpecialName))
        {
            yield return method.ReturnType;
            foreach (var parameter in method.GetParameters())
            {
                yield return parameter.ParameterType;
            }
        }
        foreach (var parameter in type.GetConstructors(Declared).Where(Visible).SelectMany(c => c.GetParameters()))
        {
            yield return parameter.ParameterType;
        }
        foreach (var nested in type.GetNestedTypes(BindingFlags.Public))
        {
            yield return nested;
        }
    }

    private static bool Visible(MethodBase? member) => member is not null && (member.IsPublic || member.IsFamily || member.IsFamilyOrAssembly);

    /// <summary>A type and the types inside it: element types, generic arguments.</summary>
    private static IEnumerable<Type> Flatten(Type type)
    {
        if (type.IsGenericParameter)
        {
            yield break;
        }
        if (type.HasElementType)
        {
            foreach (var inner in Flatten(type.GetElementType()!))
            {
                yield return inner;
            }
            yield break;
        }
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            yield return type.GetGenericTypeDefinition();
            foreach (var inner in type.GetGenericArguments().SelectMany(Flatten))
            {
                yield return inner;
            }
            yield break;
        }
        yield return type;
    }
}
