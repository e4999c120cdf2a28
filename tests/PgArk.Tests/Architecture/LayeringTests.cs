using System.Reflection;
using PgArk.Core.Errors;

namespace PgArk.Tests.Architecture;

/// <summary>DESIGN.md's dependency rules, enforced: shells depend on Core, never the other way round.</summary>
public partial class LayeringTests
{
    private static readonly Assembly s_core = typeof(PgArkException).Assembly;

    [Theory]
    [InlineData("Microsoft.AspNetCore")]
    [InlineData("Spectre")]
    [InlineData("System.CommandLine")]
    [InlineData("System.Console")]
    [InlineData("ModelContextProtocol")]
    [InlineData("PgArk.Cli")]
    [InlineData("PgArk.Server")]
    [InlineData("PgArk.Assistant")]
    public void Core_DoesNotReferenceShellPackages(string forbiddenPrefix)
    {
        var offending = s_core.GetReferencedAssemblies().Where(a => a.Name!.StartsWith(forbiddenPrefix, StringComparison.Ordinal)).ToList();
        Assert.True(offending.Count == 0, $"PgArk.Core references {string.Join(", ", offending)}");
    }

    /// <summary>The assistant plans and routes; rendering and prompting belong to the CLI, HTTP hosting to the server.</summary>
    [Theory]
    [InlineData("Microsoft.AspNetCore")]
    [InlineData("Spectre")]
    [InlineData("System.CommandLine")]
    [InlineData("System.Console")]
    [InlineData("ModelContextProtocol")]
    [InlineData("PgArk.Cli")]
    [InlineData("PgArk.Server")]
    public void Assistant_DoesNotReferenceConsoleOrHostPackages(string forbiddenPrefix)
    {
        var assistant = typeof(PgArk.Assistant.Planning.Plan).Assembly;
        var offending = assistant.GetReferencedAssemblies().Where(a => a.Name!.StartsWith(forbiddenPrefix, StringComparison.Ordinal)).ToList();
        Assert.True(offending.Count == 0, $"PgArk.Assistant references {string.Join(", ", offending)}");
    }

    [Fact]
    public void Storage_DoesNotUseCatalog()
    {
        var storageTypes = s_core.GetTypes().Where(t => t.Namespace?.StartsWith("PgArk.Core.Storage", StringComparison.Ordinal) == true).ToList();
        Assert.NotEmpty(storageTypes);
        var offenders = new List<string>();
        foreach (var type in storageTypes)
        {
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var used = type.GetFields(all).Select(f => f.FieldType)
                .Concat(type.GetMethods(all).SelectMany(m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType)))
                .Concat(type.GetProperties(all).Select(p => p.PropertyType))
                .Concat(type.GetConstructors(all).SelectMany(c => c.GetParameters().Select(p => p.ParameterType)));
            offenders.AddRange(used.Where(u => u.Namespace?.StartsWith("PgArk.Core.Catalog", StringComparison.Ordinal) == true)
                .Select(u => $"{type.Name} uses {u.FullName}"));
        }
        Assert.True(offenders.Count == 0, string.Join("; ", offenders.Distinct()));
    }
}
