namespace PgArk.Core.Postgres;

/// <summary>
/// What differs between the PostgreSQL major versions PgArk supports (13 to 18) in files it reads itself rather than
/// through SQL. One table, so supporting a new major version is one line here plus its tests.
/// </summary>
internal static class PgVersions
{
    public const int OldestMajor = 13;
    public const int NewestMajor = 18;

    // XLOG_PAGE_MAGIC (src/include/access/xlog_internal.h): it changes whenever the WAL format does.
    private static readonly Dictionary<int, ushort> s_walPageMagic = new()
    {
        [13] = 0xD106, [14] = 0xD10D, [15] = 0xD110, [16] = 0xD113, [17] = 0xD116, [18] = 0xD118,
    };

    public static bool IsSupportedMajor(int major) => major is >= OldestMajor and <= NewestMajor;

    /// <summary>The WAL page magic of <paramref name="major"/>, or null for a version PgArk does not know.</summary>
    public static ushort? WalPageMagic(int major) => s_walPageMagic.TryGetValue(major, out var magic) ? magic : null;

    /// <summary>The major version whose WAL pages start with <paramref name="magic"/>, or null.</summary>
    public static int? MajorOfWalPageMagic(ushort magic) =>
        s_walPageMagic.Where(pair => pair.Value == magic).Select(pair => (int?)pair.Key).FirstOrDefault();
}
