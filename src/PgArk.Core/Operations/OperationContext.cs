using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PgArk.Core.Catalog;
using PgArk.Core.Codecs;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Storage;
using PgArk.Core.Storage.Encryption;
using PgArk.Core.Storage.Posix;
using PgArk.Core.Storage.S3;

namespace PgArk.Core.Operations;

/// <summary>
/// What every operation runs with: the loaded configuration, logging, and how to reach this program again (for the
/// archive_command and restore_command it writes into PostgreSQL's configuration).
/// </summary>
public sealed class OperationContext(PgArkOptions options, ILoggerFactory? loggerFactory = null, string? selfCommand = null)
{
    public PgArkOptions Options { get; } = options;

    private Runs.OperationRunRecorder? _runs;

    public ILoggerFactory LoggerFactory { get; } = loggerFactory ?? NullLoggerFactory.Instance;

    /// <summary>Who the operations run for; remote callers are confined (see <see cref="RestoreTargetPolicy"/>).</summary>
    public OperationCaller Caller { get; init; } = OperationCaller.Local;

    /// <summary>
    /// The caller's standard output, for an operation that streams what it produces (export_table's rows) when its input
    /// names no file: the generated command line opens stdout here, and renders the result on stderr once it was used.
    /// Null for REST, MCP and the assistant (they always name a file); <see cref="For"/> does not carry it over.
    /// </summary>
    public Func<Stream>? StandardOutput { get; init; }

    /// <summary>The same configuration and logging for <paramref name="caller"/> (a front end calls this once).</summary>
    public OperationContext For(OperationCaller caller) => new(Options, LoggerFactory, SelfCommand) { Caller = caller };

    /// <summary>Records and announces every run made with this context (created on first use from <see cref="Options"/>).</summary>
    public Runs.OperationRunRecorder Runs => LazyInitializer.EnsureInitialized(ref _runs, () => new Runs.OperationRunRecorder(this));

    /// <summary>Shell-quoted command that starts pgark, e.g. <c>'/usr/local/bin/pgark'</c>.</summary>
    public string SelfCommand { get; } = selfCommand ?? Common.SelfCommand.Detect();

    public ILogger CreateLogger(string category) => LoggerFactory.CreateLogger(category);

    public ServerOptions GetServer(string name) => Options.GetServer(name);

    /// <summary>The repositories a server uses, in configuration order (the first one receives backups).</summary>
    public IReadOnlyList<Repository> RepositoriesFor(ServerOptions server) =>
        server.Repositories.Select(name => OpenRepository(Options.GetRepository(name))).ToList();

    public Repository PrimaryRepositoryFor(ServerOptions server) => RepositoriesFor(server)[0];

    /// <summary>
    /// The server's repositories in configuration order, or only <paramref name="only"/> when given (it must be one of
    /// the server's repositories).
    /// </summary>
    public IReadOnlyList<Repository> RepositoriesFor(ServerOptions server, string? only)
    {
        if (only is null)
        {
            return RepositoriesFor(server);
        }
        var name = server.Repositories.FirstOrDefault(r => string.Equals(r, only, StringComparison.OrdinalIgnoreCase))
            ?? throw new UsageException($"server '{server.Name}' does not use repository '{only}'",
                $"its repositories are: {string.Join(", ", server.Repositories)}");
        return [OpenRepository(Options.GetRepository(name))];
    }

    /// <summary>The catalog of <paramref name="store"/>'s backups in its repository (stores[].repository).</summary>
    public Stores.StoreCatalog StoreCatalogFor(Stores.StoreOptions store) => new(OpenRepository(Options.GetRepository(store.Repository)));

    public static Repository OpenRepository(RepositoryOptions repository)
    {
        IRepositoryStorage storage = repository.Type switch
        {
            RepositoryType.Posix => new PosixStorage(repository.Path),
#pragma warning disable CA2000 // the storage lives as long as the Repository it is given to (Repository is not disposable)
            RepositoryType.S3 => new S3Storage(repository.S3!.ToStorageOptions()),
#pragma warning restore CA2000
            _ => throw new ConfigurationException($"repository '{repository.Name}': type '{repository.Type}' is not supported yet"),
        };
        storage = repository.Encryption is { } encryption
            ? new EncryptedStorage(storage, encryption.Key, encryption.Iterations, repository.Name)
            : new PlaintextGuardStorage(storage, repository.Name);
        return new Repository(repository.Name, storage, repository.Compression, repository.CompressionLevel)
        {
            // Only where a file's content is authenticated can its generation be trusted (docs/repository-format.md).
            Rollback = repository.Encryption is null ? null : new RollbackGuard(RollbackGuard.DefaultFolder()),
        };
    }

    /// <summary>The restore_command a restored cluster of <paramref name="server"/> uses to fetch WAL through this program.</summary>
    public string ArchiveGetCommand(string server) =>
        $"{SelfCommand} --config {Common.SelfCommand.ShellQuote(Options.SourcePath)} archive-get --server {server} %f \"%p\"";

    /// <summary>The archive_command a server uses to push WAL through this program.</summary>
    public string ArchivePushCommand(string server) =>
        $"{SelfCommand} --config {Common.SelfCommand.ShellQuote(Options.SourcePath)} archive-push --server {server} %p";
}
