using System.Text.Json.Serialization;

namespace PgArk.Core.Notifications;

/// <summary>
/// The alert state file.
/// The settings are those of every file PgArk stores (see <see cref="Common.IJsonFile{TSelf}"/>).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(Alerts.AlertState))]
internal sealed partial class NotificationsJsonContext : JsonSerializerContext;
