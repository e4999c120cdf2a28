using PgArk.Core.Configuration;

namespace PgArk.Tests.Configuration;

/// <summary>Issue 13, item 9: secret files other local users can read are listed (as warnings) by <c>pgark check</c>.</summary>
public sealed class SecretFilePermissionsTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static PgArkOptions Load(TempFolder folder, string keyFile, string passfile, string sslKey)
    {
        var config = folder.Write("pgark.yaml", $$"""
            repositories:
              - name: local
                path: /var/lib/pgark/repo
                encryption: { keyFile: {{keyFile}} }
            servers:
              - name: pg1
                connection: "Host=/var/run/postgresql;Username=postgres;Passfile={{passfile}};SSL Key={{sslKey}}"
                pgdata: /var/lib/postgresql/15/main
            """);
        return ConfigLoader.Parse(File.ReadAllText(config), config);
    }

    [Fact]
    public void Warnings_ReadableConfigKeyPassfileAndSslKey_EachListed_PrivateOnesNot()
    {
        using var folder = new TempFolder();
        var key = folder.Write("key", new string('a', 64));
        var passfile = folder.Write("pgpass", "*:*:*:*:secret\n");
        var sslKey = folder.Write("client.key", "-----BEGIN PRIVATE KEY-----\n");
        var options = Load(folder, key, passfile, sslKey);
        File.SetUnixFileMode(options.SourcePath, Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.SetUnixFileMode(key, Private | UnixFileMode.GroupRead);
        File.SetUnixFileMode(passfile, Private | UnixFileMode.OtherWrite);
        File.SetUnixFileMode(sslKey, Private);

        var warnings = SecretFilePermissions.Warnings(options, options.Servers[0]);

        Assert.Equal(
        [
            $"file '{options.SourcePath}' (the configuration file) can be read by group or others (mode 0644): chmod 600 it",
            $"file '{key}' (repositories[0].encryption.keyFile) can be read by group or others (mode 0640): chmod 600 it",
            $"file '{passfile}' (servers 'pg1' connection Passfile) can be written by group or others (mode 0602): chmod 600 it",
        ], warnings);
    }

    [Fact]
    public void Warnings_AllPrivate_None_ALinkIsJudgedByItsTarget()
    {
        using var folder = new TempFolder();
        var key = folder.Write("key", new string('a', 64));
        var passfile = folder.Write("pgpass", "*:*:*:*:secret\n");
        var exposed = folder.Write("exposed.key", "-----BEGIN PRIVATE KEY-----\n");
        var link = System.IO.Path.Combine(folder.Path, "client.key");
        File.CreateSymbolicLink(link, exposed);
        var options = Load(folder, key, passfile, link);
        foreach (var file in new[] { options.SourcePath, key, passfile, exposed })
        {
            File.SetUnixFileMode(file, Private);
        }

        Assert.Empty(SecretFilePermissions.Warnings(options, options.Servers[0]));

        File.SetUnixFileMode(exposed, Private | UnixFileMode.OtherRead);
        var warning = Assert.Single(SecretFilePermissions.Warnings(options, options.Servers[0]));
        Assert.Equal($"file '{link}' (servers 'pg1' connection SSL Key) can be read by group or others (mode 0604): chmod 600 it", warning);
    }
}
