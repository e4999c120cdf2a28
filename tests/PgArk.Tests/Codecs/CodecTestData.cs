using System.Text;
using PgArk.Core.Codecs;

namespace PgArk.Tests.Codecs;

internal static class CodecTestData
{
    public static readonly CompressionType[] AllTypes =
        [CompressionType.None, CompressionType.Gzip, CompressionType.Zstd, CompressionType.Lz4];

    public static byte[] Random(int length, int seed = 42)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>Text-like rows with some randomness; compresses roughly 3-5x, like table data.</summary>
    public static byte[] Compressible(int length, int seed = 7)
    {
        var random = new Random(seed);
        var builder = new StringBuilder(length + 200);
        var words = new[] { "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india" };
        for (var row = 0; builder.Length < length; row++)
        {
            builder.Append(row).Append('\t')
                .Append(words[random.Next(words.Length)]).Append(' ')
                .Append(words[random.Next(words.Length)]).Append('\t')
                .Append(random.Next(100_000)).Append('\t')
                .Append("2024-0").Append(random.Next(1, 10)).Append("-1").Append(random.Next(10)).Append('\n');
        }

        return Encoding.ASCII.GetBytes(builder.ToString())[..length];
    }

    public static byte[] Compress(CompressionType type, byte[] data, int? level = null)
    {
        using var output = new MemoryStream();
        using (var compress = CompressionCodec.OpenCompress(type, output, level ?? CompressionCodec.DefaultLevel(type), leaveOpen: true))
        {
            compress.Write(data);
        }

        return output.ToArray();
    }

    public static byte[] Decompress(CompressionType type, byte[] data)
    {
        using var decompress = CompressionCodec.OpenDecompress(type, new MemoryStream(data), leaveOpen: false);
        using var output = new MemoryStream();
        decompress.CopyTo(output);
        return output.ToArray();
    }
}
