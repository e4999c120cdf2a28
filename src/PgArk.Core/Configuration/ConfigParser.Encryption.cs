using System.Globalization;
using System.Text;
using PgArk.Core.Codecs;
using PgArk.Core.Storage.Encryption;

namespace PgArk.Core.Configuration;

/// <summary>Parsing of <c>repositories[].encryption</c> (docs/configuration.md, "Encryption at rest").</summary>
internal sealed partial class ConfigParser
{
    private static readonly string[] s_encryptionSources = ["passphraseEnv", "passphraseFile", "keyFile"];
    private static readonly string[] s_encryptionKeys = [.. s_encryptionSources, "iterations"];

    // The secret is resolved here like a server's connection: problems name the variable or file, never the value.
    private EncryptionOptions? Encryption(YamlMappingReader repository)
    {
        if (!repository.Has("encryption"))
        {
            return null;
        }
        if (repository.Mapping("encryption") is not { } node)
        {
            return null;
        }
        var reader = new YamlMappingReader(node, repository.ChildPath("encryption"), s_encryptionKeys, [], _problems);
        var sources = s_encryptionSources.Where(reader.Has).ToList();
        if (sources.Count != 1)
        {
            _problems.Add(reader.Path, sources.Count == 0
                ? "set one of passphraseEnv, passphraseFile or keyFile (a passphrase is never written in pgark.yaml)"
                : $"set only one of passphraseEnv, passphraseFile, keyFile (found {string.Join(", ", sources)})");
            return null;
        }
        var iterations = reader.PositiveInt("iterations") ?? EncryptionOptions.DefaultIterations;
        if (iterations is < EncryptionOptions.MinimumIterations or > EncryptionOptions.MaximumIterations)
        {
            _problems.Add(reader.ChildPath("iterations"), $"must be between {EncryptionOptions.MinimumIterations.ToString("N0", CultureInfo.InvariantCulture)}"
                + $" and {EncryptionOptions.MaximumIterations.ToString("N0", CultureInfo.InvariantCulture)}");
            return null;
        }
        var key = sources[0] switch
        {
            "passphraseEnv" => PassphraseFromEnvironment(reader),
            "passphraseFile" => FromFile(reader, "passphraseFile") is { } text
                ? new EncryptionKeySource(EncryptionKeyKind.Passphrase, Encoding.UTF8.GetBytes(text), $"passphrase file {reader.Scalar("passphraseFile")}")
                : null,
            _ => KeyFile(reader),
        };
        return key is null ? null : new EncryptionOptions(key, iterations);
    }

    private EncryptionKeySource? PassphraseFromEnvironment(YamlMappingReader reader)
    {
        var variable = reader.Scalar("passphraseEnv");
        if (variable is null)
        {
            return null;
        }
        var value = getEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(value))
        {
            _problems.Add(reader.ChildPath("passphraseEnv"), $"environment variable '{variable}' is not set or is empty");
            return null;
        }
        return new EncryptionKeySource(EncryptionKeyKind.Passphrase, Encoding.UTF8.GetBytes(value), $"environment variable {variable}");
    }

    // A key file holds 32 bytes: raw, as 64 hex digits, or as base64 (openssl rand -hex 32 / -base64 32 both work).
    private EncryptionKeySource? KeyFile(YamlMappingReader reader)
    {
        var file = reader.AbsolutePath("keyFile");
        if (file is null)
        {
            return null;
        }
        _secretFiles.Add(new SecretFile(file, reader.ChildPath("keyFile")));
        byte[] content;
        try
        {
            content = File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _problems.Add(reader.ChildPath("keyFile"), $"unable to read file '{file}': {e.Message}");
            return null;
        }
        var key = content.Length == EncryptionFormat.KeySize ? content : DecodeKeyText(Encoding.ASCII.GetString(content).Trim());
        if (key is null)
        {
            _problems.Add(reader.ChildPath("keyFile"), $"file '{file}' does not hold a 32-byte key (raw, 64 hex digits or base64)");
            return null;
        }
        return new EncryptionKeySource(EncryptionKeyKind.KeyFile, key, $"key file {file}");
    }

    private static byte[]? DecodeKeyText(string text)
    {
        if (text.Length == 2 * EncryptionFormat.KeySize && text.All(char.IsAsciiHexDigit))
        {
            return Convert.FromHexString(text);
        }
        var buffer = new byte[64];
        return Convert.TryFromBase64String(text, buffer, out var written) && written == EncryptionFormat.KeySize ? buffer[..written] : null;
    }
}
