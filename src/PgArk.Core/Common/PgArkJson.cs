using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace PgArk.Core.Common;

/// <summary>
/// A file PgArk stores as JSON (manifest, server record, history, state). The capability that owns the type describes it in
/// its own source-generated context, with the settings every stored file shares (camelCase, enums as strings, indented,
/// nulls left out, strict numbers; <c>RepositoryJsonSettingsTests</c> holds every context to them), so Common needs to know
/// none of them and short commands such as archive-push do not pay for reflection-based serializer warm-up.
/// </summary>
public interface IJsonFile<TSelf> where TSelf : IJsonFile<TSelf>
{
    /// <summary>The source-generated metadata of the type, from its capability's context.</summary>
    static abstract JsonTypeInfo<TSelf> JsonInfo { get; }
}

internal static class PgArkJson
{
    public static byte[] Serialize<T>(T value) where T : IJsonFile<T> => JsonSerializer.SerializeToUtf8Bytes(value, T.JsonInfo);

    public static T Deserialize<T>(ReadOnlySpan<byte> utf8) where T : IJsonFile<T> =>
        JsonSerializer.Deserialize(utf8, T.JsonInfo) ?? throw new JsonException("empty document");
}
