using PgArk.Core.Errors;

namespace PgArk.Core.Codecs;

/// <summary>Writes one zstd frame (with content checksum) through libzstd's ZSTD_compressStream2.</summary>
internal sealed unsafe class ZstdEncoderStream : EncoderStream
{
    private readonly ZstdNative.CompressionContextHandle _context;

    public ZstdEncoderStream(Stream output, int level, bool leaveOpen)
        : base(output, leaveOpen)
    {
        _context = ZstdNative.ZSTD_createCCtx();
        if (_context.IsInvalid)
        {
            _context.Dispose();
            throw new OutOfMemoryException("ZSTD_createCCtx failed.");
        }

        try
        {
            Check(ZstdNative.ZSTD_CCtx_setParameter(_context, ZstdNative.CompressionLevelParameter, level));
            Check(ZstdNative.ZSTD_CCtx_setParameter(_context, ZstdNative.ChecksumFlagParameter, 1));
        }
        catch
        {
            _context.Dispose();
            throw;
        }
    }

    // Any positive space guarantees progress; this keeps each call's output reasonably large.
    protected override int MinOutputSpace => 128 * 1024;

    protected override int Encode(ReadOnlySpan<byte> input, Span<byte> output, out int written)
    {
        fixed (byte* source = input)
        fixed (byte* destination = output)
        {
            var inBuffer = new ZstdNative.Buffer { Data = source, Size = (nuint)input.Length };
            var outBuffer = new ZstdNative.Buffer { Data = destination, Size = (nuint)output.Length };
            Check(ZstdNative.ZSTD_compressStream2(_context, &outBuffer, &inBuffer, ZstdNative.EndContinue));
            written = (int)outBuffer.Position;
            return (int)inBuffer.Position;
        }
    }

    protected override bool EncodeFlush(Span<byte> output, bool end, out int written)
    {
        fixed (byte* destination = output)
        {
            var inBuffer = default(ZstdNative.Buffer);
            var outBuffer = new ZstdNative.Buffer { Data = destination, Size = (nuint)output.Length };
            var remaining = ZstdNative.ZSTD_compressStream2(
                _context, &outBuffer, &inBuffer, end ? ZstdNative.EndFrame : ZstdNative.EndFlush);
            Check(remaining);
            written = (int)outBuffer.Position;
            return remaining == 0;
        }
    }

    protected override void ReleaseEncoder() => _context.Dispose();

    private static void Check(nuint code)
    {
        if (ZstdNative.IsError(code))
        {
            throw new OperationFailedException($"zstd compression failed: {ZstdNative.ErrorName(code)}");
        }
    }
}
