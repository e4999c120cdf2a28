using System.Text.Json.Serialization;

namespace PgArk.Core.Catalog;

/// <summary>
/// The catalog's stored files: backup manifests, server records, the repository marker, history records.
/// The settings are those of every file PgArk stores (see <see cref="Common.IJsonFile{TSelf}"/>).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(BackupManifest))]
[JsonSerializable(typeof(ManifestHeaderDocument))]
[JsonSerializable(typeof(ServerRecord))]
[JsonSerializable(typeof(RepositoryMarker))]
[JsonSerializable(typeof(VerifyRestoreRecord))]
[JsonSerializable(typeof(OperationRunRecord))]
internal sealed partial class CatalogJsonContext : JsonSerializerContext;
