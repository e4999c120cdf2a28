namespace PgArk.Core.Configuration;

/// <summary>
/// The <c>restore</c> section of <c>pgark.yaml</c>. Restores requested through the API (REST, MCP, the assistant over
/// HTTP) may target only a server's own <c>pgdata</c> or a folder inside one of <see cref="Roots"/>; the CLI is not
/// confined (see <see cref="Restore.RestoreTargetPolicy"/>).
/// </summary>
/// <param name="Roots">Absolute folders API restores may create data directories in (YAML <c>restore.roots</c>).</param>
public sealed record RestoreRootsOptions(IReadOnlyList<string> Roots)
{
    public static RestoreRootsOptions None { get; } = new([]);
}
