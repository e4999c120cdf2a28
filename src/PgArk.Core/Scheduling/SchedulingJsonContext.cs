using System.Text.Json.Serialization;

namespace PgArk.Core.Scheduling;

/// <summary>
/// The schedule state file.
/// The settings are those of every file PgArk stores (see <see cref="Common.IJsonFile{TSelf}"/>).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(ScheduleState))]
internal sealed partial class SchedulingJsonContext : JsonSerializerContext;
