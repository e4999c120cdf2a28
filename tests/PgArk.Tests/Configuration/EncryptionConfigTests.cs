using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Storage.Encryption;

using static PgArk.Tests.Configuration.ConfigText;

namespace PgArk.Tests.Configuration;

public sealed class EncryptionConfigTests
{

    private static string Yaml(string encryption) => $$"""
        repositories:
          - name: local
            path: /var/lib/pgark/repo
            encryption: {{encryption}}
        servers:
          - name: pg1
            connection: "Host=/var/run/postgresql;Username=postgres"
            pgdata: /var/lib/postgresql/15/main
        """;

    [Fact]
    public void Parse_PassphraseEnv_ResolvesWithDefaultIterations_AndNeverPrintsTheSecret()
    {
        var options = Parse(Yaml("{ passphraseEnv: PGARK_PASS }"), new() { ["PGARK_PASS"] = "correct horse battery staple" });

        var encryption = options.Repositories[0].Encryption!;
        Assert.Equal(EncryptionKeyKind.Passphrase, encryption.Key.Kind);
        Assert.Equal(EncryptionOptions.DefaultIterations, encryption.Iterations);
        Assert.Equal("passphrase from environment variable PGARK_PASS", encryption.Key.ToString());
        Assert.DoesNotContain("horse", options.Repositories[0].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_KeyFileInHex_ResolvesTo32Bytes()
    {
        using var folder = new TempFolder();
        var file = folder.Write("key", new string('a', 64) + "\n");
        var encryption = Parse(Yaml($"{{ keyFile: {file} }}")).Repositories[0].Encryption!;
        Assert.Equal(EncryptionKeyKind.KeyFile, encryption.Key.Kind);
    }

    [Theory]
    [InlineData("{ passphraseEnv: MISSING }", "repositories[0].encryption.passphraseEnv: environment variable 'MISSING' is not set or is empty")]
    [InlineData("{ iterations: 600000 }", "repositories[0].encryption: set one of passphraseEnv, passphraseFile or keyFile (a passphrase is never written in pgark.yaml)")]
    [InlineData("{ passphrase: hunter2 }", "repositories[0].encryption.passphrase: unknown key (did you mean 'passphraseEnv'?)")]
    [InlineData("{ passphraseEnv: P, iterations: 1000 }", "repositories[0].encryption.iterations: must be between 100,000 and 10,000,000")]
    [InlineData("{ passphraseEnv: P, iterations: 2000000000 }", "repositories[0].encryption.iterations: must be between 100,000 and 10,000,000")]
    [InlineData("{ passphraseEnv: P, keyFile: /k }", "repositories[0].encryption: set only one of passphraseEnv, passphraseFile, keyFile (found passphraseEnv, keyFile)")]
    public void Parse_BadEncryption_NamesThePath(string encryption, string problem)
    {
        var ex = Assert.Throws<ConfigurationException>(() => Parse(Yaml(encryption), new() { ["P"] = "secret" }));
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_KeyFileOfWrongLength_IsRejected()
    {
        using var folder = new TempFolder();
        var file = folder.Write("key", "too short");
        var ex = Assert.Throws<ConfigurationException>(() => Parse(Yaml($"{{ keyFile: {file} }}")));
        Assert.Contains($"file '{file}' does not hold a 32-byte key (raw, 64 hex digits or base64)", ex.Message, StringComparison.Ordinal);
    }
}
