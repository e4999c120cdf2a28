using PgArk.Core.Errors;

namespace PgArk.Core.Postgres;

/// <summary>A folder of PostgreSQL server programs (initdb, pg_ctl, postgres, pg_amcheck).</summary>
internal sealed record PgInstallation(string BinDirectory, int MajorVersion)
{
    public string Program(string name) => Path.Combine(BinDirectory, name);

    /// <summary>
    /// Finds the programs: <paramref name="explicitBin"/>, then $PGARK_PGBIN, then the newest
    /// /usr/lib/postgresql/&lt;major&gt;/bin (Debian/Ubuntu layout), then /usr/pgsql-&lt;major&gt;/bin (RPM layout).
    /// </summary>
    public static PgInstallation Find(string? explicitBin = null, int? preferredMajor = null)
    {
        var candidates = new List<string>();
        if (explicitBin is not null)
        {
            candidates.Add(explicitBin);
        }
        if (Environment.GetEnvironmentVariable("PGARK_PGBIN") is { Length: > 0 } fromEnv)
        {
            candidates.Add(fromEnv);
        }
        foreach (var root in new[] { "/usr/lib/postgresql", "/usr" })
        {
            if (!Directory.Exists(root))
            {
                continue;
            }
            var versions = Directory.GetDirectories(root)
                .Select(d => (Dir: d, Name: Path.GetFileName(d)))
                .Select(d => (d.Dir, Major: int.TryParse(d.Name.StartsWith("pgsql-", StringComparison.Ordinal) ? d.Name[6..] : d.Name, out var m) ? m : 0))
                .Where(d => d.Major >= 13)
                .OrderByDescending(d => d.Major == preferredMajor)
                .ThenByDescending(d => d.Major);
            candidates.AddRange(versions.Select(v => Path.Combine(v.Dir, "bin")));
        }
        foreach (var candidate in candidates)
        {
            if (File.Exists(Path.Combine(candidate, "initdb")) && File.Exists(Path.Combine(candidate, "pg_ctl")))
            {
                return new PgInstallation(candidate, ReadMajor(candidate));
            }
        }
        throw new NotFoundException("PostgreSQL server programs (initdb, pg_ctl) not found",
            "install PostgreSQL (scripts/install-deps.sh does it on Debian) or set PGARK_PGBIN to their folder");
    }

    private static int ReadMajor(string binDirectory)
    {
        var parent = Path.GetFileName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(binDirectory))) ?? "";
        if (parent.StartsWith("pgsql-", StringComparison.Ordinal))
        {
            parent = parent[6..];
        }
        return int.TryParse(parent, out var major) ? major : 0;
    }
}
