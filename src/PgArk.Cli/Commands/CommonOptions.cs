using System.CommandLine;

namespace PgArk.Cli.Commands;

internal static class CommonOptions
{
    public static Option<string> Server() => new("--server", "-s") { Description = "Server name from pgark.yaml", Required = true };

    public static Option<string?> Repository() => new("--repo") { Description = "Only this repository of the server (default: each of them)" };

    public static Option<int> Jobs() => new("--jobs", "-j")
    {
        Description = "Files processed in parallel (default: number of cores)",
        Validators = { r => { if (r.GetValueOrDefault<int>() < 0) { r.AddError("--jobs must be 0 or more"); } } },
    };
}
