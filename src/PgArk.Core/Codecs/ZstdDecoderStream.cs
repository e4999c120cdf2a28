using PgArk.Core.Errors;

namespace PgArk.Core.Codecs;

/// <summary>Reads one or more concatenated zstd frames through libzstd's ZSTD_decompressStream.</summary>
internal sealed unsafe class ZstdDecoderStream : DecoderStream
{
    private readonly ZstdNative.DecompressionContextHandle _context;

    public ZstdDecoderStream(Stream input, bool leaveOpen)
        : base(input, leaveOpen)
    {
        _context = ZstdNative.ZSTD_createDCtx();
        if (_context.IsInvalid)
        {
            _context.Dispose();
            throw new OutOfMemoryException("ZSTD_createDCtx failed.");
        }
    }

    protected override string CodecName => "zstd";

    protected override int Decode(ReadOnlySpan<byte> input, Span<byte> output, out int written, out bool frameComplete)
    {
        fixed (byte* source = input)
        fixed (byte* destination = output)
        {
            var inBuffer = new ZstdNative.Buffer { Data = source, Size = (nuint)input.Length };
            var outBuffer = new ZstdNative.Buffer { Data = destination, Size = (nuint)output.Length };
            var result = ZstdNative.ZSTD_decompressStream(_context, &outBuffer, &inBuffer);
            if (ZstdNative.IsError(result))
            {
                throw new IntegrityException($"zstd decompression failed: {ZstdNative.ErrorName(result)}");
            }

            written = (int)outBuffer.Position;
            frameComplete = result == 0;
            return (int)inBuffer.Position;
        }
    }

    protected override void ReleaseDecoder() => _context.Dispose();
}
