using PgArk.Core.Errors;

namespace PgArk.Core.Codecs;

/// <summary>
/// Writes one LZ4 frame (64 KiB linked blocks, content checksum) through liblz4's frame API; the result is what the
/// <c>lz4</c> command-line tool reads.
/// </summary>
internal sealed unsafe class Lz4EncoderStream : EncoderStream
{
    // Input handed to one LZ4F_compressUpdate call; the output buffer must hold its worst-case bound.
    private const int ChunkSize = 256 * 1024;

    private readonly Lz4Native.CompressionContextHandle _context;
    private readonly Lz4Native.Preferences _preferences;
    private readonly int _minOutputSpace;
    private bool _begun;

    public Lz4EncoderStream(Stream output, int level, bool leaveOpen)
        : base(output, leaveOpen)
    {
        Check(Lz4Native.LZ4F_createCompressionContext(out _context, Lz4Native.FrameVersion));
        _preferences = new Lz4Native.Preferences
        {
            FrameInfo = new Lz4Native.FrameInfo { BlockSizeId = Lz4Native.BlockSizeMax64KB, ContentChecksumFlag = 1 },
            CompressionLevel = level,
        };
        var preferences = _preferences;
        _minOutputSpace = Lz4Native.HeaderSizeMax + checked((int)Lz4Native.LZ4F_compressBound(ChunkSize, &preferences));
    }

    protected override int MinOutputSpace => _minOutputSpace;

    protected override int Encode(ReadOnlySpan<byte> input, Span<byte> output, out int written)
    {
        var chunk = Math.Min(input.Length, ChunkSize);
        fixed (byte* source = input)
        fixed (byte* destination = output)
        {
            var header = Begin(destination, output.Length);
            var result = Lz4Native.LZ4F_compressUpdate(
                _context, destination + header, (nuint)(output.Length - header), source, (nuint)chunk, null);
            Check(result);
            written = header + (int)result;
            return chunk;
        }
    }

    protected override bool EncodeFlush(Span<byte> output, bool end, out int written)
    {
        fixed (byte* destination = output)
        {
            var header = Begin(destination, output.Length);
            var capacity = (nuint)(output.Length - header);
            var result = end
                ? Lz4Native.LZ4F_compressEnd(_context, destination + header, capacity, null)
                : Lz4Native.LZ4F_flush(_context, destination + header, capacity, null);
            Check(result);
            written = header + (int)result;
            return true;
        }
    }

    protected override void ReleaseEncoder() => _context.Dispose();

    // The frame header goes out lazily so that the constructor needs no access to the output buffer.
    private int Begin(byte* destination, int capacity)
    {
        if (_begun)
        {
            return 0;
        }

        var preferences = _preferences;
        var result = Lz4Native.LZ4F_compressBegin(_context, destination, (nuint)capacity, &preferences);
        Check(result);
        _begun = true;
        return (int)result;
    }

    private static void Check(nuint code)
    {
        if (Lz4Native.IsError(code))
        {
            throw new OperationFailedException($"lz4 compression failed: {Lz4Native.ErrorName(code)}");
        }
    }
}
