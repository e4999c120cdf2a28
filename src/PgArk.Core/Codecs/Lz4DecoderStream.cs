using PgArk.Core.Errors;

namespace PgArk.Core.Codecs;

/// <summary>Reads one or more concatenated LZ4 frames through liblz4's LZ4F_decompress.</summary>
internal sealed unsafe class Lz4DecoderStream : DecoderStream
{
    private readonly Lz4Native.DecompressionContextHandle _context;

    public Lz4DecoderStream(Stream input, bool leaveOpen)
        : base(input, leaveOpen)
    {
        var result = Lz4Native.LZ4F_createDecompressionContext(out _context, Lz4Native.FrameVersion);
        if (Lz4Native.IsError(result))
        {
            _context.Dispose();
            throw new OperationFailedException($"lz4 decompression failed: {Lz4Native.ErrorName(result)}");
        }
    }

    protected override string CodecName => "lz4";

    protected override int Decode(ReadOnlySpan<byte> input, Span<byte> output, out int written, out bool frameComplete)
    {
        fixed (byte* source = input)
        fixed (byte* destination = output)
        {
            var sourceSize = (nuint)input.Length;
            var destinationSize = (nuint)output.Length;
            var result = Lz4Native.LZ4F_decompress(_context, destination, &destinationSize, source, &sourceSize, null);
            if (Lz4Native.IsError(result))
            {
                throw new IntegrityException($"lz4 decompression failed: {Lz4Native.ErrorName(result)}");
            }

            written = (int)destinationSize;
            frameComplete = result == 0;
            return (int)sourceSize;
        }
    }

    protected override void ReleaseDecoder() => _context.Dispose();
}
