using Npgsql;

namespace PgArk.Core.Configuration;

/// <summary>The secret-resolving part of <see cref="ConfigParser"/>: a server's connection string.</summary>
internal sealed partial class ConfigParser
{
    private static readonly string[] s_connectionSources = ["connection", "connectionEnv", "connectionFile"];

    // Resolves the server's connection string from exactly one source, checks it parses, and adds passwordEnv.
    // Problems name the variable or file, never the value.
    private string? Connection(YamlMappingReader reader)
    {
        var sources = s_connectionSources.Where(reader.Has).ToList();
        if (sources.Count == 0)
        {
            _problems.Add(reader.ChildPath("connection"), "required (or set connectionEnv or connectionFile)");
            return null;
        }

        if (sources.Count > 1)
        {
            foreach (var extra in sources.Skip(1))
            {
                _problems.Add(
                    reader.ChildPath(extra),
                    $"conflicts with '{sources[0]}' (set only one of connection, connectionEnv, connectionFile)");
            }

            return null;
        }

        var source = sources[0];
        var value = source switch
        {
            "connection" => reader.Scalar(source),
            "connectionEnv" => FromEnvironment(reader, source),
            _ => FromFile(reader, source),
        };
        if (value is null)
        {
            return null;
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(value);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // Npgsql's messages name the keyword, not the value; still, say only what we know is safe.
            var problem = e is ArgumentException { ParamName: { Length: > 0 } keyword }
                ? $"not a valid connection string: unknown keyword or invalid value for '{keyword}'"
                : "not a valid connection string (expected Key=Value pairs separated by ';')";
            _problems.Add(reader.ChildPath(source), problem);
            return null;
        }

        var passwordVariable = reader.Scalar("passwordEnv");
        if (passwordVariable is null)
        {
            return value;
        }

        var password = getEnvironmentVariable(passwordVariable);
        if (string.IsNullOrEmpty(password))
        {
            _problems.Add(reader.ChildPath("passwordEnv"), $"environment variable '{passwordVariable}' is not set or is empty");
            return null;
        }

        if (!string.IsNullOrEmpty(builder.Password))
        {
            _problems.Add(reader.ChildPath("passwordEnv"), $"the {source} value already sets a Password; keep only one of them");
            return null;
        }

        builder.Password = password;
        return builder.ConnectionString;
    }

    private string? FromEnvironment(YamlMappingReader reader, string key)
    {
        var variable = reader.Scalar(key);
        if (variable is null)
        {
            return null;
        }

        var value = getEnvironmentVariable(variable)?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            _problems.Add(reader.ChildPath(key), $"environment variable '{variable}' is not set or is empty");
            return null;
        }

        return value;
    }

    private string? FromFile(YamlMappingReader reader, string key)
    {
        var file = reader.AbsolutePath(key);
        if (file is null)
        {
            return null;
        }

        if (!File.Exists(file))
        {
            _problems.Add(reader.ChildPath(key), $"file '{file}' does not exist");
            return null;
        }
        _secretFiles.Add(new SecretFile(file, reader.ChildPath(key)));

        string value;
        try
        {
            value = File.ReadAllText(file).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _problems.Add(reader.ChildPath(key), $"unable to read file '{file}': {e.Message}");
            return null;
        }

        if (value.Length == 0)
        {
            _problems.Add(reader.ChildPath(key), $"file '{file}' is empty");
            return null;
        }

        return value;
    }
}
