using System.Text.Json.Serialization;

namespace PgArk.Core.Catalog;

/// <summary>JSON of the history records, with the same settings as the rest of the repository (camelCase, enums as strings).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(VerifyRestoreRecord))]
internal sealed partial class HistoryJsonContext : JsonSerializerContext;
