using Npgsql;

namespace PgArk.Core.Configuration;

/// <summary>
/// Files holding secrets that other local users can read or write: pgark.yaml itself (connection strings may carry a
/// password), every file a secret was read from, and the server connection's passfile and client key. A warning, not a
/// failure: the operator decides, <c>pgark check</c> lists them.
/// </summary>
public static class SecretFilePermissions
{
    private const UnixFileMode GroupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    /// <summary>One sentence per file that group or others may read or write, naming the file and what it is.</summary>
    public static IReadOnlyList<string> Warnings(PgArkOptions options, ServerOptions server)
    {
        var files = new List<SecretFile> { new(options.SourcePath, "the configuration file") };
        files.AddRange(options.SecretFiles);
        try
        {
            var connection = new NpgsqlConnectionStringBuilder(server.Connection);
            if (!string.IsNullOrEmpty(connection.Passfile))
            {
                files.Add(new SecretFile(connection.Passfile, $"servers '{server.Name}' connection Passfile"));
            }
            if (!string.IsNullOrEmpty(connection.SslKey))
            {
                files.Add(new SecretFile(connection.SslKey, $"servers '{server.Name}' connection SSL Key"));
            }
        }
        catch (ArgumentException)
        {
            // An unparsable connection string is reported by the connection check.
        }
        var warnings = new List<string>();
        foreach (var file in files.DistinctBy(f => f.Path))
        {
            UnixFileMode mode;
            try
            {
                // The mode of what the path leads to: a link's own mode means nothing.
                var info = new FileInfo(file.Path);
                var target = info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info;
                if (!target.Exists)
                {
                    continue;
                }
                mode = target.UnixFileMode;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if ((mode & GroupOrOthers) != 0)
            {
                warnings.Add($"file '{file.Path}' ({file.Setting}) can be {((mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0 ? "written" : "read")} "
                    + $"by group or others (mode {Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0')}): chmod 600 it");
            }
        }
        return warnings;
    }
}
