using System.Buffers.Binary;
using System.Diagnostics;
using PgArk.Core.Postgres;
using Xunit.Abstractions;

namespace PgArk.Tests.Postgres;

/// <summary>
/// Checks <see cref="PageChecksum"/> and <see cref="PageHeader"/> against real pages: relation files of a cluster
/// freshly made by <c>initdb -k</c> (data checksums on). The server is never started.
/// </summary>
public class PageChecksumTests(PageChecksumTests.ClusterFixture cluster, ITestOutputHelper output)
    : IClassFixture<PageChecksumTests.ClusterFixture>
{
    private const string InitdbPath = "/usr/lib/postgresql/15/bin/initdb";

    [RequiresInitdbFact]
    public void Compute_EveryPageOfInitdbCluster_MatchesStoredChecksum()
    {
        var files = RelationFiles();
        var checkedPages = 0;
        var newPages = 0;
        var largestFile = 0;

        foreach (var file in files)
        {
            var content = File.ReadAllBytes(file);
            Assert.Equal(0, content.Length % PageHeader.BlockSize);
            largestFile = Math.Max(largestFile, content.Length / PageHeader.BlockSize);
            for (var block = 0; block < content.Length / PageHeader.BlockSize; block++)
            {
                var page = content.AsSpan(block * PageHeader.BlockSize, PageHeader.BlockSize);
                var header = new PageHeader(page);
                if (header.IsNew)
                {
                    Assert.True(PageHeader.IsAllZero(page), $"{file} block {block} is new but not all zero");
                    newPages++;
                    continue;
                }

                var ok = PageChecksum.Verify(page, (uint)block, out var expected, out var actual);

                Assert.True(ok, $"{file} block {block}: page has checksum {expected:X4}, computed {actual:X4}");
                Assert.Equal(actual, PageChecksum.ComputeScalar(page, (uint)block));
                Assert.True(header.IsSane(), $"{file} block {block}: header fails the sanity checks");
                Assert.Equal(PageHeader.BlockSize, header.PageSize);
                Assert.Equal(4, header.LayoutVersion);
                checkedPages++;
            }
        }

        output.WriteLine($"{files.Count} files, {checkedPages} checksummed pages, {newPages} new pages, largest file {largestFile} pages");
        Assert.True(files.Count > 50, $"only {files.Count} relation files found");
        Assert.True(largestFile >= 10, $"no multi-page relation file (largest has {largestFile} pages)");
        Assert.True(checkedPages > 300, $"only {checkedPages} pages checked");
    }

    [RequiresInitdbFact]
    public void Compute_RealPageWithOneFlippedByte_DoesNotMatch()
    {
        var (page, block) = FirstMultiPageFileLastPage();
        var stored = new PageHeader(page).Checksum;

        foreach (var offset in new[] { 0, 100, PageHeader.Size, PageHeader.BlockSize / 2, PageHeader.BlockSize - 1 })
        {
            var copy = page.ToArray();
            copy[offset] ^= 0x01;

            Assert.False(PageChecksum.Verify(copy, block, out var expected, out var actual), $"flip at offset {offset} not detected");
            Assert.Equal(stored, expected);
            Assert.NotEqual(stored, actual);
        }
    }

    [RequiresInitdbFact]
    public void Compute_RealPageUnderOtherBlockNumber_DoesNotMatch()
    {
        var (page, block) = FirstMultiPageFileLastPage();

        Assert.True(PageChecksum.Verify(page, block, out _, out _));
        Assert.False(PageChecksum.Verify(page, block + 1, out _, out _));
        Assert.False(PageChecksum.Verify(page, block + PageHeader.BlocksPerSegment, out _, out _));
    }

    [RequiresInitdbFact]
    public void Compute_StoredChecksumField_IsIgnored()
    {
        var (page, block) = FirstMultiPageFileLastPage();
        var copy = page.ToArray();

        BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(PageHeader.ChecksumOffset), 0xBEEF);

        Assert.Equal(PageChecksum.Compute(page, block), PageChecksum.Compute(copy, block));
    }

    [Fact]
    public void Compute_RandomPages_VectorAndScalarAgree()
    {
        var random = new Random(3);
        var page = new byte[PageHeader.BlockSize];
        for (var i = 0; i < 200; i++)
        {
            random.NextBytes(page);
            var block = (uint)random.Next();

            Assert.Equal(PageChecksum.ComputeScalar(page, block), PageChecksum.Compute(page, block));
        }
    }

    [Fact]
    public void Compute_NotAWholePage_Throws()
    {
        Assert.Throws<ArgumentException>(() => PageChecksum.Compute(new byte[100], 0));
    }

    [Fact]
    public void PageHeader_KnownBytes_ParsesEveryField()
    {
        var page = new byte[PageHeader.BlockSize];
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(0), 0x00000001);   // xlogid
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(4), 0x0A0B0C0D);   // xrecoff
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(8), 0x1234);       // pd_checksum
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(10), 0x0004);      // pd_flags: PD_ALL_VISIBLE
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(12), 40);          // pd_lower
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(14), 8000);        // pd_upper
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(16), 8192);        // pd_special
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(18), 8192 | 4);    // pd_pagesize_version
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(20), 777);         // pd_prune_xid

        var header = new PageHeader(page);

        Assert.Equal(0x1_0A0B0C0DUL, header.Lsn);
        Assert.Equal(0x1234, header.Checksum);
        Assert.Equal(4, header.Flags);
        Assert.Equal(40, header.Lower);
        Assert.Equal(8000, header.Upper);
        Assert.Equal(8192, header.Special);
        Assert.Equal(8192, header.PageSize);
        Assert.Equal(4, header.LayoutVersion);
        Assert.Equal(777u, header.PruneXid);
        Assert.False(header.IsNew);
        Assert.True(header.IsSane());
    }

    [Theory]
    [InlineData(0x0008, 40, 8000, 8192)]   // unknown flag bit
    [InlineData(0, 8001, 8000, 8192)]      // pd_lower > pd_upper
    [InlineData(0, 40, 8100, 8000)]        // pd_upper > pd_special
    [InlineData(0, 40, 8000, 8196)]        // pd_special past the page
    [InlineData(0, 40, 8000, 8004)]        // pd_special not MAXALIGNed
    public void PageHeader_BrokenHeader_IsNotSane(ushort flags, ushort lower, ushort upper, ushort special)
    {
        var page = new byte[PageHeader.Size];
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(10), flags);
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(12), lower);
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(14), upper);
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(16), special);

        Assert.False(new PageHeader(page).IsSane());
    }

    [Fact]
    public void PageHeader_ZeroPage_IsNewAndAllZero()
    {
        var page = new byte[PageHeader.BlockSize];

        Assert.True(new PageHeader(page).IsNew);
        Assert.True(PageHeader.IsAllZero(page));
        page[PageHeader.BlockSize - 1] = 1;
        Assert.False(PageHeader.IsAllZero(page));
    }

    [Fact]
    public void PageChecksum_Throughput_Prints()
    {
        var pages = new byte[1024 * PageHeader.BlockSize];
        new Random(1).NextBytes(pages);
        var best = double.MaxValue;
        var sum = 0;
        for (var round = 0; round < 20; round++)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < 1024; i++)
            {
                sum += PageChecksum.Compute(pages.AsSpan(i * PageHeader.BlockSize, PageHeader.BlockSize), (uint)i);
            }

            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        output.WriteLine($"page checksum: {pages.Length / 1e6 / best:F0} MB/s (best of 20 rounds of 8 MiB; {sum})");
    }

    private List<string> RelationFiles()
    {
        // Relation forks are named relfilenode[_fsm|_vm|_init][.segment]; everything else (PG_VERSION,
        // pg_filenode.map, pg_internal.init, pg_control) is not made of pages.
        return new[] { Path.Combine(cluster.DataDirectory, "base", "1"), Path.Combine(cluster.DataDirectory, "global") }
            .SelectMany(Directory.EnumerateFiles)
            .Where(path => char.IsAsciiDigit(Path.GetFileName(path)[0]) && new FileInfo(path).Length > 0)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private (byte[] Page, uint Block) FirstMultiPageFileLastPage()
    {
        var file = RelationFiles().First(path => !path.Contains('_') && new FileInfo(path).Length >= 4 * PageHeader.BlockSize);
        var content = File.ReadAllBytes(file);
        var block = content.Length / PageHeader.BlockSize - 1;
        while (new PageHeader(content.AsSpan(block * PageHeader.BlockSize)).IsNew)
        {
            block--;
        }

        return (content.AsSpan(block * PageHeader.BlockSize, PageHeader.BlockSize).ToArray(), (uint)block);
    }

    /// <summary>A fact that is skipped when PostgreSQL 15's initdb is not installed.</summary>
    public sealed class RequiresInitdbFactAttribute : FactAttribute
    {
        public RequiresInitdbFactAttribute()
        {
            if (!File.Exists(InitdbPath))
            {
                Skip = $"{InitdbPath} is not installed";
            }
        }
    }

    /// <summary>
    /// Runs <c>initdb -k</c> once for the class, on first use, in a temp folder that is deleted afterwards. PostgreSQL
    /// refuses to run as root, so as root it runs as the postgres OS user.
    /// </summary>
    public sealed class ClusterFixture : IDisposable
    {
        private readonly string _root = Directory.CreateTempSubdirectory("pgark-initdb-").FullName;
        private readonly Lazy<string> _dataDirectory;

        public ClusterFixture()
        {
            _dataDirectory = new Lazy<string>(CreateCluster);
        }

        public string DataDirectory => _dataDirectory.Value;

        public void Dispose() => Directory.Delete(_root, recursive: true);

        private string CreateCluster()
        {
            var data = Path.Combine(_root, "data");
            string[] initdb = [InitdbPath, "-k", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "--no-instructions", "--locale=C"];
            if (Environment.UserName == "root")
            {
                Run("chown", "postgres:postgres", _root);
                Run("runuser", ["-u", "postgres", "--", .. initdb]);
            }
            else
            {
                Run(initdb[0], initdb[1..]);
            }

            return data;
        }

        private static void Run(string program, params string[] arguments)
        {
            var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{program} exited {process.ExitCode}: {stderr}{stdout.Result}");
            }
        }
    }
}
