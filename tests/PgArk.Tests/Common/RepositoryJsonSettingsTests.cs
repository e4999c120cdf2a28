using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using PgArk.Core.Catalog;
using PgArk.Core.Common;

namespace PgArk.Tests.Common;

/// <summary>
/// Every capability describes its stored files in its own JSON context (<see cref="IJsonFile{TSelf}"/>); the files stay one
/// format only while those contexts share their settings.
/// </summary>
public class RepositoryJsonSettingsTests
{
    [Fact]
    public void EveryStoredType_IsDescribedByItsCapabilitysContext_WithTheRepositorySettings()
    {
        var files = typeof(Repository).Assembly.GetTypes()
            .Where(t => t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IJsonFile<>))).ToList();
        Assert.True(files.Count >= 12, string.Join(", ", files.Select(t => t.Name)));
        var expected = SettingsOf(typeof(CatalogJsonContext));
        foreach (var file in files)
        {
            var info = (JsonTypeInfo)typeof(RepositoryJsonSettingsTests).GetMethod(nameof(InfoOf), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(file).Invoke(null, null)!;
            Assert.Equal(file, info.Type);
            var context = info.OriginatingResolver!.GetType();
            Assert.Equal(CapabilityOf(file), CapabilityOf(context));

            Assert.True(ReferenceEquals(JsonNamingPolicy.CamelCase, info.Options.PropertyNamingPolicy), context.Name);
            Assert.True(info.Options.WriteIndented, context.Name);
            Assert.Equal(JsonIgnoreCondition.WhenWritingNull, info.Options.DefaultIgnoreCondition);
            Assert.Equal(JsonNumberHandling.Strict, info.Options.NumberHandling);
            // Enums as strings is a generation setting (no converter in Options): the attributes must be alike, property by property.
            var settings = SettingsOf(context);
            Assert.True(settings.UseStringEnumConverter, context.Name);
            foreach (var property in typeof(JsonSourceGenerationOptionsAttribute).GetProperties().Where(p => p.Name != "TypeId"))
            {
                Assert.Equal(property.GetValue(expected), property.GetValue(settings));
            }
        }
    }

    private static JsonTypeInfo InfoOf<T>() where T : IJsonFile<T> => T.JsonInfo;

    private static JsonSourceGenerationOptionsAttribute SettingsOf(Type context) =>
        context.GetCustomAttributes(typeof(JsonSourceGenerationOptionsAttribute), false).Cast<JsonSourceGenerationOptionsAttribute>().Single();

    private static string CapabilityOf(Type type) => type.Namespace!.Split('.')[2];
}
