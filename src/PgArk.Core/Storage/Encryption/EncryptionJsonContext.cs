using System.Text.Json.Serialization;

namespace PgArk.Core.Storage.Encryption;

/// <summary>
/// The repository key envelope.
/// The settings are those of every file PgArk stores (see <see cref="Common.IJsonFile{TSelf}"/>).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(RepositoryKeyEnvelope))]
internal sealed partial class EncryptionJsonContext : JsonSerializerContext;
