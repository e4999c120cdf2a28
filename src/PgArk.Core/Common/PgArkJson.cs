using System.Text.Json;
using System.Text.Json.Serialization;
using PgArk.Core.Catalog;

namespace PgArk.Core.Common;

/// <summary>
/// JSON settings for everything PgArk stores (manifests, server records, history, dump catalog) (camelCase, enums as lowercase strings). Source-generated so that short
/// commands such as archive-push do not pay for reflection-based serializer warm-up.
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
[JsonSerializable(typeof(PgArk.Core.Scheduling.ScheduleState))]
[JsonSerializable(typeof(PgArk.Core.Notifications.Alerts.AlertState))]
[JsonSerializable(typeof(PgArk.Core.Logical.DumpManifest))]
[JsonSerializable(typeof(PgArk.Core.Stores.StoreBackupManifest))]
[JsonSerializable(typeof(PgArk.Core.Stores.BackupSetRecord))]
[JsonSerializable(typeof(PgArk.Core.Storage.Encryption.RepositoryKeyEnvelope))]
internal sealed partial class PgArkJsonContext : JsonSerializerContext;

internal static class PgArkJson
{
    public static byte[] Serialize<T>(T value) =>
        JsonSerializer.SerializeToUtf8Bytes(value, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)PgArkJsonContext.Default.GetTypeInfo(typeof(T))!);

    public static T Deserialize<T>(ReadOnlySpan<byte> utf8) =>
        JsonSerializer.Deserialize(utf8, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)PgArkJsonContext.Default.GetTypeInfo(typeof(T))!)
        ?? throw new JsonException("empty document");
}
