namespace PgArk.Core.Operations.Registry;

// JSON-friendly arguments for the operations whose own input records hold non-JSON types (TimeSpan).

public sealed record CheckArguments(
    [property: Input(InputText.Server)] string Server,
    [property: Input(InputText.ArchiveTimeout, Aliases = ["--archive-timeout"])] int? ArchiveTimeoutSeconds = null) : IServerInput
{
    internal CheckInput ToInput() => new(Server, InputValues.Seconds(ArchiveTimeoutSeconds, "archive_timeout_seconds"));
}
