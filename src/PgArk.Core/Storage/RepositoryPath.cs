using System.Text;
using PgArk.Core.Errors;

namespace PgArk.Core.Storage;

/// <summary>
/// Validates repository paths so that no caller can reach outside the repository. A valid path is relative and
/// '/'-separated; every segment is non-empty, is not "." or "..", is at most 255 UTF-8 bytes, and contains no
/// backslash, NUL or other control character, and no <see cref="TemporaryMarker"/>. Invalid paths throw
/// <see cref="UsageException"/>, whose message names the path.
/// </summary>
internal static class RepositoryPath
{
    /// <summary>
    /// Marks names of the temporary files of unfinished writes. Reserved: no repository path may contain it, so a
    /// listing can always tell a temporary file from a stored one.
    /// </summary>
    public const string TemporaryMarker = ".pgark-tmp.";

    private const int MaxSegmentBytes = 255;
    private const string Hint = "repository paths are relative and '/'-separated, with no '.', '..' or empty segments";

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Validates the path of a file (never empty) and returns it unchanged.</summary>
    public static string ValidateFile(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw Invalid(path, "a file path must not be empty");
        }

        if (path.EndsWith('/'))
        {
            throw Invalid(path, "a file path must not end with '/'");
        }

        ValidateSegments(path);
        return path;
    }

    /// <summary>
    /// Validates the path of a folder and returns it normalised: "" is the repository root, and one trailing '/'
    /// is removed ("backup/" becomes "backup").
    /// </summary>
    public static string ValidateFolder(string? prefix)
    {
        if (prefix is null)
        {
            throw Invalid(prefix, "a folder path must not be null (use \"\" for the repository root)");
        }

        if (prefix.Length == 0)
        {
            return prefix;
        }

        var trimmed = prefix.EndsWith('/') ? prefix[..^1] : prefix;
        if (trimmed.Length == 0)
        {
            throw Invalid(prefix, "it is absolute (use \"\" for the repository root)");
        }

        ValidateSegments(trimmed, prefix);
        return trimmed;
    }

    /// <summary>Joins a validated folder ("" for the root) and a validated relative path.</summary>
    public static string Combine(string folder, string path) => folder.Length == 0 ? path : $"{folder}/{path}";

    /// <summary>Folder part of a validated path: "" for a file at the root, "a/b" for "a/b/c".</summary>
    public static string GetFolder(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? "" : path[..slash];
    }

    /// <summary>Last segment of a validated path.</summary>
    public static string GetName(string path) => path[(path.LastIndexOf('/') + 1)..];

    private static void ValidateSegments(string path, string? original = null)
    {
        original ??= path;
        if (path[0] == '/')
        {
            throw Invalid(original, "it is absolute");
        }

        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0)
            {
                throw Invalid(original, "it contains an empty segment");
            }

            if (segment is "." or "..")
            {
                throw Invalid(original, $"it contains a '{segment}' segment");
            }

            foreach (var c in segment)
            {
                if (c == '\\')
                {
                    throw Invalid(original, "it contains a backslash");
                }

                if (char.IsControl(c))
                {
                    throw Invalid(original, c == '\0' ? "it contains a NUL character" : "it contains a control character");
                }
            }

            if (segment.Contains(TemporaryMarker, StringComparison.Ordinal))
            {
                throw Invalid(original, $"'{TemporaryMarker}' is reserved for temporary files");
            }

            int bytes;
            try
            {
                bytes = s_strictUtf8.GetByteCount(segment);
            }
            catch (EncoderFallbackException)
            {
                throw Invalid(original, "it is not valid Unicode");
            }

            if (bytes > MaxSegmentBytes)
            {
                throw Invalid(original, $"a segment is longer than {MaxSegmentBytes} bytes");
            }
        }
    }

    private static UsageException Invalid(string? path, string reason) =>
        new($"invalid repository path {Display(path)}: {reason}", Hint);

    // Control characters are escaped so that the message itself stays printable.
    private static string Display(string? path)
    {
        if (path is null)
        {
            return "(null)";
        }

        var builder = new StringBuilder(path.Length + 2).Append('\'');
        foreach (var c in path)
        {
            builder.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return builder.Append('\'').ToString();
    }
}
