using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>
/// The PostgreSQL server binaries the tests run: <c>$PGARK_TEST_PGBIN</c> when set (the version-matrix switch),
/// else the newest <c>/usr/lib/postgresql/&lt;major&gt;/bin</c>.
/// </summary>
public sealed partial class PgBinaries
{
    public const string BinDirectoryVariable = "PGARK_TEST_PGBIN";

    private static readonly Lazy<PgBinaries> s_default = new(Locate);

    private PgBinaries(string binDirectory, Version version, string versionText)
    {
        BinDirectory = binDirectory;
        Version = version;
        VersionText = versionText;
    }

    /// <summary>The located binaries, resolved once per test run.</summary>
    public static PgBinaries Default => s_default.Value;

    public string BinDirectory { get; }

    /// <summary>Server version such as 15.18 (a development build like 18devel reads as 18.0).</summary>
    public Version Version { get; }

    public int MajorVersion => Version.Major;

    /// <summary>What <c>postgres --version</c> printed.</summary>
    public string VersionText { get; }

    public string Initdb => Tool("initdb");

    public string PgCtl => Tool("pg_ctl");

    public string PgBench => Tool("pgbench");

    public string PgAmcheck => Tool("pg_amcheck");

    public string Psql => Tool("psql");

    /// <summary>Full path of a program in <see cref="BinDirectory"/>.</summary>
    public string Tool(string name) => Path.Combine(BinDirectory, name);

    public static PgBinaries Locate()
    {
        var configured = Environment.GetEnvironmentVariable(BinDirectoryVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return FromDirectory(configured);
        }

        const string DebianRoot = "/usr/lib/postgresql";
        var newest = Directory.Exists(DebianRoot)
            ? Directory.EnumerateDirectories(DebianRoot)
                .Select(d => (Directory: Path.Combine(d, "bin"), Major: int.TryParse(Path.GetFileName(d), out var m) ? m : -1))
                .Where(c => c.Major > 0 && File.Exists(Path.Combine(c.Directory, "initdb")))
                .OrderByDescending(c => c.Major)
                .Select(c => c.Directory)
                .FirstOrDefault()
            : null;
        return newest is not null
            ? FromDirectory(newest)
            : throw new InvalidOperationException(
                $"PostgreSQL server binaries not found under {DebianRoot}/<major>/bin; " +
                $"run scripts/install-deps.sh or set {BinDirectoryVariable}");
    }

    /// <summary>Binaries from an explicit directory, which must contain initdb, pg_ctl and postgres.</summary>
    public static PgBinaries FromDirectory(string binDirectory)
    {
        foreach (var required in new[] { "initdb", "pg_ctl", "postgres" })
        {
            if (!File.Exists(Path.Combine(binDirectory, required)))
            {
                throw new InvalidOperationException($"'{binDirectory}' is not a PostgreSQL bin directory: {required} is missing");
            }
        }

        // Synchronous on purpose: this runs once, and skip attributes need the version at discovery time.
        var versionText = ReadVersionText(Path.Combine(binDirectory, "postgres"));
        var match = VersionPattern().Match(versionText);
        if (!match.Success)
        {
            throw new InvalidOperationException($"unable to parse the PostgreSQL version from '{versionText}'");
        }

        var major = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var minor = match.Groups[2].Success ? int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
        return new PgBinaries(binDirectory, new Version(major, minor), versionText);
    }

    public override string ToString() => $"PostgreSQL {Version} ({BinDirectory})";

    private static string ReadVersionText(string postgres)
    {
        using var process = Process.Start(new ProcessStartInfo(postgres, "--version")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException($"unable to start '{postgres} --version'");
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{postgres} --version' failed: {process.StandardError.ReadToEnd()}");
        }

        return output.Trim();
    }

    [GeneratedRegex(@"\(PostgreSQL\) (\d+)(?:\.(\d+))?")]
    private static partial Regex VersionPattern();
}
