using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace PgArk.Core.Logical;

/// <summary>Source-generated JSON for the logical-dump catalog, with the same settings as the rest of the repository.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(DumpManifest))]
internal sealed partial class LogicalJsonContext : JsonSerializerContext;

internal static class LogicalJson
{
    public static byte[] Serialize(DumpManifest manifest) => JsonSerializer.SerializeToUtf8Bytes(manifest, LogicalJsonContext.Default.DumpManifest);

    public static DumpManifest Deserialize(ReadOnlySpan<byte> utf8) =>
        JsonSerializer.Deserialize(utf8, (JsonTypeInfo<DumpManifest>)LogicalJsonContext.Default.DumpManifest)
        ?? throw new JsonException("empty document");
}
