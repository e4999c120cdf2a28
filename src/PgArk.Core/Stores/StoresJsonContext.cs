using System.Text.Json.Serialization;

namespace PgArk.Core.Stores;

/// <summary>
/// Store backup manifests and backup-set records.
/// The settings are those of every file PgArk stores (see <see cref="Common.IJsonFile{TSelf}"/>).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(StoreBackupManifest))]
[JsonSerializable(typeof(BackupSetRecord))]
internal sealed partial class StoresJsonContext : JsonSerializerContext;
