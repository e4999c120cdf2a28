using PgArk.Core.Configuration;
using PgArk.Core.Errors;

namespace PgArk.Core.Logical;

/// <summary>
/// Checks a stored dump without restoring it: every file exists with the size and SHA-256 its manifest records, and
/// <c>pg_restore --list</c> reads the archive's table of contents, which must name every table the manifest lists
/// (its definition unless data-only, its data unless schema-only). Repository-wide verification calls this per dump.
/// </summary>
internal sealed class DumpVerifier
{
    private readonly string _pgRestore;
    private readonly PgClient? _client;

    /// <param name="pgRestore">Path of the pg_restore program (at least as new as the pg_dump that wrote the dumps).</param>
    public DumpVerifier(string pgRestore)
    {
        _pgRestore = pgRestore;
    }

    private DumpVerifier(string pgRestore, PgClient client)
    {
        _pgRestore = pgRestore;
        _client = client;
    }

    /// <summary>A verifier using the pg_restore that suits <paramref name="server"/> (its pgBin, or the newest installed).</summary>
    public static DumpVerifier ForServer(ServerOptions server)
    {
        var client = new PgClient(server);
        return new DumpVerifier(client.Program("pg_restore", server.PgVersion), client);
    }

    /// <summary>The problems found (empty: the dump is intact). Each problem names the dump and what is wrong.</summary>
    public async Task<IReadOnlyList<string>> VerifyAsync(DumpCatalog catalog, DumpManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(manifest);
        var problems = new List<string>();
        var scratch = DumpFileStore.CreateScratchFolder("verify");
        try
        {
            var archive = Path.Combine(scratch, "archive");
            Directory.CreateDirectory(archive);
            foreach (var file in manifest.Files)
            {
                try
                {
                    // pg_restore --list needs the custom archive, or a directory archive's toc.dat; other files are only checked.
                    Stream destination = manifest.DumpFormat == DumpFormat.Custom || IsTableOfContents(file.Name)
                        ? File.Create(Path.Combine(archive, file.Name)) : Stream.Null;
                    await using (destination.ConfigureAwait(false))
                    {
                        await DumpFileStore.CopyVerifiedAsync(catalog, manifest, file, destination, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (PgArkException ex) when (ex is IntegrityException or NotFoundException)
                {
                    problems.Add(ex.Message);
                }
            }
            if (problems.Count > 0)
            {
                return problems;
            }
            var listed = manifest.DumpFormat == DumpFormat.Custom ? Path.Combine(archive, "dump") : archive;
            string toc;
            try
            {
                toc = await RunListAsync(listed, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationFailedException ex)
            {
                problems.Add($"dump '{manifest.Id}': pg_restore cannot read the archive: {ex.Message}");
                return problems;
            }
            var lines = toc.Split('\n').Where(l => l.Length > 0 && !l.StartsWith(';')).ToList();
            foreach (var table in manifest.Tables)
            {
                if (manifest.Mode != DumpMode.Data && !lines.Any(l => l.Contains($" TABLE {table.Schema} {table.Name} ", StringComparison.Ordinal)))
                {
                    problems.Add($"dump '{manifest.Id}': the archive has no definition of table {table.QualifiedName}");
                }
                if (manifest.Mode != DumpMode.Schema && !lines.Any(l => l.Contains($" TABLE DATA {table.Schema} {table.Name} ", StringComparison.Ordinal)))
                {
                    problems.Add($"dump '{manifest.Id}': the archive has no data of table {table.QualifiedName}");
                }
            }
        }
        finally
        {
            DumpFileStore.DeleteScratchFolder(scratch);
        }
        return problems;
    }

    private static bool IsTableOfContents(string name) => name == "toc.dat";

    private async Task<string> RunListAsync(string archive, CancellationToken cancellationToken)
    {
        if (_client is not null)
        {
            return await _client.RunAsync(_pgRestore, ["--list", archive], cancellationToken).ConfigureAwait(false);
        }
        var outcome = await Common.ProcessRunner.RunCheckedAsync(_pgRestore, ["--list", archive], asPostgresUser: false, TimeSpan.FromMinutes(10), cancellationToken)
            .ConfigureAwait(false);
        return outcome.StandardOutput;
    }
}
