using System.Text;
using PgArk.Core.Configuration;
using PgArk.Core.Logical;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Logical;

/// <summary>
/// A dump archive forged so that pg_restore's script ends a COPY early and continues with a psql shell escape: replacing
/// rows from it must not run the command and must leave the table as it was.
/// </summary>
public class ForgedDumpTests
{
    [Fact]
    public async Task ReplaceRows_ArchiveSmugglesPsqlShellEscape_CommandNeverRuns_TableUnchanged()
    {
        await using var h = await PgArkHarness.CreateAsync();
        using var scratch = TempFolder.Create("pgark-it-forged-dump-");
        File.SetUnixFileMode(scratch.Path, (UnixFileMode)0x1FF);
        var ran = Path.Combine(scratch.Path, "ran");
        var payload = $"x\n\\.\n\\! touch {ran}\n--";
        var marker = new string('M', Encoding.UTF8.GetByteCount(payload));
        await h.Cluster.ExecuteAsync($"CREATE TABLE victim (id int PRIMARY KEY, v text); INSERT INTO victim VALUES (1, '{marker}'), (2, 'kept');");
        var before = await h.Cluster.ScalarAsync<string>("SELECT string_agg(id || ':' || v, ',' ORDER BY id) FROM victim");

        var server = ConfigLoader.Load(h.ConfigPath).GetServer(PgArkHarness.Server);
        var client = new PgClient(server);
        var archive = Path.Combine(scratch.Path, "archive");
        await client.RunAsync(client.Program("pg_dump", 15),
            ["--format=custom", "--compress=0", "--data-only", "--table=public.victim", "--file", archive, $"--dbname={client.ConnInfo("postgres")}"],
            default);
        // Same length, so the archive's block sizes still hold: the row now reads x, then "\." and a shell escape.
        var bytes = await File.ReadAllBytesAsync(archive);
        var at = bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(marker));
        Assert.True(at > 0);
        Encoding.UTF8.GetBytes(payload).CopyTo(bytes, at);
        await File.WriteAllBytesAsync(archive, bytes);
        File.SetUnixFileMode(archive, (UnixFileMode)0x1B6);
        var pgRestore = client.Program("pg_restore", 15);
        var listPath = Path.Combine(scratch.Path, "rows.list");
        await File.WriteAllTextAsync(listPath, await client.RunAsync(pgRestore, ["--list", archive], default));

        var e = await Assert.ThrowsAsync<PgArk.Core.Errors.OperationFailedException>(() =>
            DumpRestorer.ReplaceRowsAsync(client, pgRestore, "postgres", [new TableName("public", "victim")], listPath, archive, default));

        Assert.Contains("nothing was changed", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(ran), "the psql shell escape ran");
        Assert.Equal(before, await h.Cluster.ScalarAsync<string>("SELECT string_agg(id || ':' || v, ',' ORDER BY id) FROM victim"));
    }
}
