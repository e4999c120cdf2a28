using PgArk.Core.Codecs;

namespace PgArk.Tests.Codecs;

/// <summary>Our frames must be what the standard tools read and write.</summary>
public sealed class CodecInteropTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pgark-codec-").FullName;
    private readonly byte[] _data = CodecTestData.Compressible(3 * 1024 * 1024 + 5);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [RequiresToolFact("zstd")]
    public void Zstd_OurOutput_DecompressesWithCli()
    {
        OurOutputDecompressesWithCli(CompressionType.Zstd, _data, (input, output) => Run("zstd", "-d", "-q", "-f", input, "-o", output));
        OurOutputDecompressesWithCli(CompressionType.Zstd, [], (input, output) => Run("zstd", "-d", "-q", "-f", input, "-o", output));
    }

    [RequiresToolFact("zstd")]
    public void Zstd_CliOutput_DecompressesWithUs() =>
        CliOutputDecompressesWithUs(CompressionType.Zstd, (input, output) => Run("zstd", "-q", "-f", "-3", input, "-o", output));

    [RequiresToolFact("lz4")]
    public void Lz4_OurOutput_DecompressesWithCli()
    {
        OurOutputDecompressesWithCli(CompressionType.Lz4, _data, (input, output) => Run("lz4", "-d", "-q", "-f", input, output));
        OurOutputDecompressesWithCli(CompressionType.Lz4, [], (input, output) => Run("lz4", "-d", "-q", "-f", input, output));
    }

    [RequiresToolFact("lz4")]
    public void Lz4_CliOutput_DecompressesWithUs() =>
        CliOutputDecompressesWithUs(CompressionType.Lz4, (input, output) => Run("lz4", "-q", "-f", "-1", input, output));

    [RequiresToolFact("gzip")]
    public void Gzip_OurOutput_DecompressesWithCli()
    {
        // gzip -d -c writes to stdout; keep to files by letting gzip pick the name (data.gz -> data).
        OurOutputDecompressesWithCli(CompressionType.Gzip, _data, (input, _) => Run("gzip", "-d", "-f", input));
        OurOutputDecompressesWithCli(CompressionType.Gzip, [], (input, _) => Run("gzip", "-d", "-f", input));
    }

    [RequiresToolFact("gzip")]
    public void Gzip_CliOutput_DecompressesWithUs() =>
        CliOutputDecompressesWithUs(CompressionType.Gzip, (input, _) => Run("gzip", "-f", "-6", input));

    private static void Run(string tool, params string[] arguments) => CommandLineTool.Run(tool, arguments);

    private void OurOutputDecompressesWithCli(CompressionType type, byte[] data, Action<string, string> decompress)
    {
        var plain = Path.Combine(_folder, "data");
        var compressed = plain + CompressionCodec.FileExtension(type);
        File.Delete(plain);
        File.WriteAllBytes(compressed, CodecTestData.Compress(type, data));

        decompress(compressed, plain);

        Assert.Equal(data, File.ReadAllBytes(plain));
    }

    private void CliOutputDecompressesWithUs(CompressionType type, Action<string, string> compress)
    {
        var plain = Path.Combine(_folder, "data");
        var compressed = plain + CompressionCodec.FileExtension(type);
        File.WriteAllBytes(plain, _data);

        compress(plain, compressed);

        Assert.Equal(_data, CodecTestData.Decompress(type, File.ReadAllBytes(compressed)));
    }
}
