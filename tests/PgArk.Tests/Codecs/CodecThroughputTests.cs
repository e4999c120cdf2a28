using System.Diagnostics;
using PgArk.Core.Codecs;
using Xunit.Abstractions;

namespace PgArk.Tests.Codecs;

/// <summary>Prints single-thread throughput (best of three); asserts only correctness, since machines vary.</summary>
public class CodecThroughputTests(ITestOutputHelper output)
{
    private const int Size = 32 * 1024 * 1024;
    private const int ChunkSize = 1024 * 1024;

    [Fact]
    public void Throughput_PrintsMegabytesPerSecond()
    {
        var data = CodecTestData.Compressible(Size);
        var chunk = new byte[ChunkSize];

        foreach (var (type, level) in new[] { (CompressionType.Lz4, 1), (CompressionType.Zstd, 1), (CompressionType.Zstd, 3) })
        {
            var compressed = new MemoryStream(Size);
            var compressSeconds = Best(() =>
            {
                compressed.SetLength(0);
                using var compress = CompressionCodec.OpenCompress(type, compressed, level, leaveOpen: true);
                for (var offset = 0; offset < Size; offset += ChunkSize)
                {
                    compress.Write(data, offset, ChunkSize);
                }
            });

            long restored = 0;
            var decompressSeconds = Best(() =>
            {
                compressed.Position = 0;
                restored = 0;
                using var decompress = CompressionCodec.OpenDecompress(type, compressed, leaveOpen: true);
                int read;
                while ((read = decompress.Read(chunk)) > 0)
                {
                    restored += read;
                }
            });

            Assert.Equal(Size, restored);
            output.WriteLine(
                $"{type} level {level}: compress {Size / 1e6 / compressSeconds:F0} MB/s, " +
                $"decompress {Size / 1e6 / decompressSeconds:F0} MB/s, ratio {(double)Size / compressed.Length:F2}");
        }

        using var hashing = new HashingStream(Stream.Null, leaveOpen: true);
        var hashSeconds = Best(() =>
        {
            for (var offset = 0; offset < Size; offset += ChunkSize)
            {
                hashing.Write(data, offset, ChunkSize);
            }

            _ = hashing.GetHashAndReset();
        });
        output.WriteLine($"SHA-256: {Size / 1e6 / hashSeconds:F0} MB/s");
    }

    private static double Best(Action run)
    {
        var best = double.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            run();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        return best;
    }
}
