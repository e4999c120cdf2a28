namespace PgArk.Core.Configuration;

/// <summary>
/// The <c>exports</c> section of <c>pgark.yaml</c>. <see cref="Path"/> is the only folder the API's export_table and
/// import_table may write to or read from; file names given through the API are resolved inside it and may not leave it
/// (no "..", no absolute path elsewhere, no symbolic link pointing out). The CLI is not confined.
/// </summary>
/// <param name="Path">Absolute folder (YAML <c>exports.path</c>).</param>
public sealed record ExportsOptions(string Path);
