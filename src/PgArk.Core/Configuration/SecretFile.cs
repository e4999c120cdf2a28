namespace PgArk.Core.Configuration;

/// <param name="Path">Absolute path of the file.</param>
/// <param name="Setting">Where pgark.yaml names it, e.g. "repositories[0].encryption.keyFile".</param>
public sealed record SecretFile(string Path, string Setting);
