using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;

namespace PgArk.Core.Logical;

internal sealed record DumpRequest(string Database, DumpMode Mode = DumpMode.Full, IReadOnlyList<string>? Tables = null, int Jobs = 0,
    string? Label = null, DumpFormat Format = DumpFormat.Custom);

/// <summary>
/// Takes a pg_dump of one database into the repository. PgArk opens a REPEATABLE READ transaction, exports its snapshot,
/// counts every table's rows in it, and hands the snapshot to pg_dump, so the recorded counts are exactly what the dump
/// holds. The custom format is streamed from pg_dump's stdout through compression and SHA-256 straight into the
/// repository; the directory format (parallel, --jobs) is written to a scratch folder and each file is moved into the
/// repository and deleted. The manifest is written last.
/// </summary>
internal sealed class DumpRunner(ServerOptions server, Repository repository, ILogger logger)
{
    private const string CustomFileName = "dump";

    public async Task<DumpManifest> RunAsync(DumpRequest request, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        if (request.Jobs > 1 && request.Format != DumpFormat.Directory)
        {
            throw new UsageException("pg_dump runs in parallel only with the directory format", "add --format directory to use --jobs");
        }
        var client = new PgClient(server);
        var catalog = new DumpCatalog(repository);
        await repository.RequireServerRecordAsync(server.Name, cancellationToken).ConfigureAwait(false);
        var watch = Stopwatch.StartNew();

        var connection = await client.OpenAsync(request.Database, cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        string snapshot;
        int versionNum;
        string version;
        var command = new NpgsqlCommand("SELECT pg_export_snapshot(), current_setting('server_version_num')::int, current_setting('server_version')", connection, transaction);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                snapshot = reader.GetString(0);
                versionNum = reader.GetInt32(1);
                version = reader.GetString(2);
            }
        }

        var all = await SchemaCatalog.ListTablesAsync(connection, cancellationToken).ConfigureAwait(false);
        var selected = (request.Tables ?? []).Select(t => SchemaCatalog.Resolve(all.Select(a => a.Table).ToList(), t, request.Database))
            .Distinct().ToList();
        var recorded = selected.Count > 0 ? selected : all.Where(t => !t.Partitioned).Select(t => t.Table).ToList();

        var pgDump = client.Program("pg_dump", versionNum / 10000);
        var pgDumpVersion = PgClient.FirstLine(await client.RunAsync(pgDump, ["--version"], cancellationToken).ConfigureAwait(false));
        var id = await NewIdAsync(cancellationToken).ConfigureAwait(false);
        var startTime = DateTimeOffset.UtcNow;
        logger.LogInformation("dump {Id} of database {Database} on server {Server}: {Mode}, {Tables} tables, snapshot {Snapshot}",
            id, request.Database, server.Name, request.Mode, recorded.Count, snapshot);

        var arguments = new List<string> { "--dbname", client.ConnInfo(request.Database), "--no-password", "--snapshot", snapshot, "--compress", "0" };
        arguments.AddRange(request.Mode switch { DumpMode.Schema => ["--schema-only"], DumpMode.Data => ["--data-only"], _ => [] });
        foreach (var table in selected)
        {
            arguments.Add("--table");
            arguments.Add(PgClient.ExactPattern(table.Schema, table.Name));
        }

        IReadOnlyList<DumpFile> files;
        var tables = new List<DumpTable>();
        string? alembic;
        using var stopDump = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            async Task<IReadOnlyList<DumpFile>> DumpAsync() => request.Format == DumpFormat.Custom
                ? [await DumpCustomAsync(client, pgDump, arguments, id, progress, stopDump.Token).ConfigureAwait(false)]
                : await DumpDirectoryAsync(client, pgDump, arguments, id, Math.Max(1, request.Jobs), progress, stopDump.Token).ConfigureAwait(false);
            var dumping = DumpAsync();
            try
            {
                // Counted while pg_dump runs: the same snapshot, so the same rows, without a full scan of every table first.
                foreach (var table in recorded)
                {
                    long? rows = request.Mode == DumpMode.Schema ? null : await SchemaCatalog.CountRowsAsync(connection, table, cancellationToken).ConfigureAwait(false);
                    tables.Add(new DumpTable(table.Schema, table.Name, rows));
                }
                alembic = await SchemaCatalog.AlembicRevisionAsync(connection, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await stopDump.CancelAsync().ConfigureAwait(false);
                await dumping.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
                throw;
            }
            files = await dumping.ConfigureAwait(false);
            await repository.Storage.SyncFolderAsync(RepositoryLayout.DumpFolder(server.Name, id.Value) + "/data", cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await repository.Storage.DeleteFolderAsync(RepositoryLayout.DumpFolder(server.Name, id.Value), CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        // The snapshot had to stay valid until pg_dump had imported it; the transaction only read.
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

        var manifest = new DumpManifest
        {
            Id = id.Value,
            Server = server.Name,
            Database = request.Database,
            Label = request.Label,
            Mode = request.Mode,
            DumpFormat = request.Format,
            SelectedTables = selected.Select(t => t.ToString()).ToList(),
            PgVersionNum = versionNum,
            ServerVersion = version,
            PgDumpVersion = pgDumpVersion,
            Snapshot = snapshot,
            StartTime = startTime,
            StopTime = DateTimeOffset.UtcNow,
            DurationSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3),
            Compression = repository.Compression,
            CompressionLevel = repository.CompressionLevel,
            Size = files.Sum(f => f.Size),
            StoredSize = files.Sum(f => f.StoredSize),
            Files = files,
            Tables = tables,
            AlembicRevision = alembic,
        };
        await catalog.WriteManifestAsync(manifest, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("dump {Id} complete: {Size} bytes, stored {Stored}, {Seconds:0.00} s", id, manifest.Size, manifest.StoredSize, manifest.DurationSeconds);
        return manifest;
    }

    private async Task<DumpId> NewIdAsync(CancellationToken cancellationToken)
    {
        // Two dumps of one server never share a second: the later waits.
        while (true)
        {
            var id = DumpId.Create(DateTimeOffset.UtcNow);
            var existing = await repository.Storage.ListFoldersAsync(RepositoryLayout.DumpsFolder(server.Name), cancellationToken).ConfigureAwait(false);
            if (!existing.Contains(id.Value))
            {
                return id;
            }
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<DumpFile> DumpCustomAsync(PgClient client, string pgDump, List<string> arguments, DumpId id,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        using var process = client.Start(pgDump, [.. arguments, "--format", "custom"], redirectInput: false, redirectOutput: true);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        DumpFile file;
        try
        {
            progress?.Report(new OperationProgress("dump", 0, 0));
            file = await DumpFileStore.StoreAsync(repository, process.StandardOutput.BaseStream,
                RepositoryLayout.DumpFilePath(server.Name, id.Value, CustomFileName, repository.Extension), CustomFileName, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        await PgClient.WaitAsync(process, cancellationToken).ConfigureAwait(false);
        var error = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new OperationFailedException($"pg_dump failed with exit code {process.ExitCode}: {error.Trim()}");
        }
        // pg_dump has finished, so the stored file is complete; only now may it count as written.
        return file;
    }

    private async Task<IReadOnlyList<DumpFile>> DumpDirectoryAsync(PgClient client, string pgDump, List<string> arguments, DumpId id, int jobs,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var scratch = DumpFileStore.CreateScratchFolder("dump");
        try
        {
            var folder = Path.Combine(scratch, "archive");
            progress?.Report(new OperationProgress("dump", 0, 0));
            await client.RunAsync(pgDump, [.. arguments, "--format", "directory", "--jobs", jobs.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--file", folder], cancellationToken).ConfigureAwait(false);
            var names = Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            var files = new List<DumpFile>();
            foreach (var name in names)
            {
                var path = Path.Combine(folder, name!);
#pragma warning disable CA2000 // disposed by the await using on the next line (the analyzer loses track inside the loop)
                var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
#pragma warning restore CA2000
                await using (input.ConfigureAwait(false))
                {
                    files.Add(await DumpFileStore.StoreAsync(repository, input, DumpCatalog.FilePath(server.Name, id.Value, repository.Compression, name!), name!, cancellationToken).ConfigureAwait(false));
                }
                File.Delete(path);
                progress?.Report(new OperationProgress("store", 0, 0, files.Count, names.Count));
            }
            return files;
        }
        finally
        {
            DumpFileStore.DeleteScratchFolder(scratch);
        }
    }
}
