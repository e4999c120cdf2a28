using PgArk.Core.Codecs;

namespace PgArk.Tests.Codecs;

public class CodecRoundTripTests
{
    public static TheoryData<CompressionType, string, bool> Cases()
    {
        var cases = new TheoryData<CompressionType, string, bool>();
        foreach (var type in CodecTestData.AllTypes)
        {
            foreach (var data in new[] { "empty", "one-byte", "1MiB-random", "10MiB-compressible" })
            {
                cases.Add(type, data, false);
                cases.Add(type, data, true);
            }
        }

        return cases;
    }

    public static TheoryData<CompressionType> Types() => new(CodecTestData.AllTypes);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task RoundTrip_Data_ComesBackIdentical(CompressionType type, string dataName, bool useAsync)
    {
        var data = dataName switch
        {
            "empty" => [],
            "one-byte" => [0x5A],
            "1MiB-random" => CodecTestData.Random(1024 * 1024),
            _ => CodecTestData.Compressible(10 * 1024 * 1024),
        };

        var compressed = new MemoryStream();
        var compress = CompressionCodec.OpenCompress(type, compressed, CompressionCodec.DefaultLevel(type), leaveOpen: true);
        if (useAsync)
        {
            await compress.WriteAsync(data.AsMemory());
            await compress.DisposeAsync();
        }
        else
        {
            compress.Write(data);
            compress.Dispose();
        }

        compressed.Position = 0;
        var restored = new MemoryStream();
        var decompress = CompressionCodec.OpenDecompress(type, compressed, leaveOpen: true);
        if (useAsync)
        {
            await decompress.CopyToAsync(restored);
            await decompress.DisposeAsync();
        }
        else
        {
            decompress.CopyTo(restored);
            decompress.Dispose();
        }

        Assert.Equal(data, restored.ToArray());
        if (dataName == "10MiB-compressible" && type != CompressionType.None)
        {
            Assert.True(compressed.Length < data.Length / 2, $"{type} compressed {data.Length} bytes to {compressed.Length}");
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public async Task RoundTrip_ManySmallOddWritesAndReads_ComesBackIdentical(CompressionType type)
    {
        var data = CodecTestData.Compressible(3 * 1024 * 1024 + 17);
        var compressed = new MemoryStream();
        await using (var compress = CompressionCodec.OpenCompress(type, compressed, CompressionCodec.DefaultLevel(type), true))
        {
            var offset = 0;
            for (var i = 0; offset < data.Length; i++)
            {
                var size = Math.Min(1 + (i * 37 % 4099), data.Length - offset);
                switch (i % 4)
                {
                    case 0: compress.Write(data, offset, size); break;
                    case 1: compress.Write(data.AsSpan(offset, size)); break;
                    case 2: await compress.WriteAsync(data.AsMemory(offset, size)); break;
                    default: compress.WriteByte(data[offset]); size = 1; break;
                }

                offset += size;
            }
        }

        compressed.Position = 0;
        var restored = new List<byte>(data.Length);
        using (var decompress = CompressionCodec.OpenDecompress(type, compressed, leaveOpen: true))
        {
            var buffer = new byte[5003];
            for (var i = 0; ; i++)
            {
                var size = 1 + (i * 53 % 5003);
                int read;
                switch (i % 4)
                {
                    case 0: read = decompress.Read(buffer, 0, size); break;
                    case 1: read = decompress.Read(buffer.AsSpan(0, size)); break;
                    case 2: read = await decompress.ReadAsync(buffer.AsMemory(0, size)); break;
                    default:
                        var value = decompress.ReadByte();
                        read = value < 0 ? 0 : 1;
                        buffer[0] = (byte)value;
                        break;
                }

                if (read == 0)
                {
                    break;
                }

                restored.AddRange(buffer.AsSpan(0, read));
            }

            Assert.Equal(0, decompress.Read(buffer));
            Assert.Equal(-1, decompress.ReadByte());
        }

        Assert.Equal(data, restored.ToArray());
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Flush_MidStream_MakesWrittenDataDecodable(CompressionType type)
    {
        var first = CodecTestData.Compressible(300_000, seed: 1);
        var output = new MemoryStream();
        using var compress = CompressionCodec.OpenCompress(type, output, CompressionCodec.DefaultLevel(type), leaveOpen: true);
        compress.Write(first);

        compress.Flush();

        using var decompress = CompressionCodec.OpenDecompress(type, new MemoryStream(output.ToArray()), leaveOpen: false);
        var prefix = new byte[first.Length];
        decompress.ReadExactly(prefix);
        Assert.Equal(first, prefix);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public async Task Dispose_LeaveOpen_IsHonored(CompressionType type)
    {
        var kept = new MemoryStream();
        var closed = new MemoryStream();

        CompressionCodec.OpenCompress(type, kept, CompressionCodec.DefaultLevel(type), leaveOpen: true).Dispose();
        await CompressionCodec.OpenCompress(type, closed, CompressionCodec.DefaultLevel(type), leaveOpen: false).DisposeAsync();

        Assert.True(kept.CanWrite);
        Assert.False(closed.CanWrite);

        kept.Position = 0;
        CompressionCodec.OpenDecompress(type, kept, leaveOpen: true).Dispose();
        Assert.True(kept.CanRead);
        await CompressionCodec.OpenDecompress(type, kept, leaveOpen: false).DisposeAsync();
        Assert.False(kept.CanRead);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public async Task AsyncPath_NeverUsesSynchronousIo(CompressionType type)
    {
        var data = CodecTestData.Compressible(2 * 1024 * 1024);
        var compressed = new MemoryStream();
        var asyncOnlyOutput = new AsyncOnlyStream(compressed);

        await using (var compress = CompressionCodec.OpenCompress(type, asyncOnlyOutput, CompressionCodec.DefaultLevel(type), true))
        {
            await compress.WriteAsync(data.AsMemory());
            await compress.FlushAsync();
            await compress.WriteAsync(data.AsMemory(0, 1000));
        }

        compressed.Position = 0;
        var restored = new MemoryStream();
        await using (var decompress = CompressionCodec.OpenDecompress(type, new AsyncOnlyStream(compressed), false))
        {
            await decompress.CopyToAsync(restored);
        }

        Assert.Equal([.. data, .. data.AsSpan(0, 1000)], restored.ToArray());
    }

    [Theory]
    [InlineData(CompressionType.Zstd)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Gzip)]
    public void Decompress_ConcatenatedFrames_ReadsAll(CompressionType type)
    {
        var first = CodecTestData.Compressible(100_000, seed: 1);
        var second = CodecTestData.Random(5000, seed: 2);

        var joined = CodecTestData.Compress(type, first).Concat(CodecTestData.Compress(type, second)).ToArray();

        Assert.Equal([.. first, .. second], CodecTestData.Decompress(type, joined));
    }

    /// <summary>Fails every synchronous read, write and flush, to prove the async paths stay async.</summary>
    private sealed class AsyncOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => false;
        public override bool CanWrite => inner.CanWrite;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => throw new InvalidOperationException("synchronous Flush");
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => throw new InvalidOperationException("synchronous Read");
        public override int Read(Span<byte> buffer) => throw new InvalidOperationException("synchronous Read");
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("synchronous Write");
        public override void Write(ReadOnlySpan<byte> buffer) => throw new InvalidOperationException("synchronous Write");
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(buffer, cancellationToken);
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.WriteAsync(buffer, offset, count, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
