using PgArk.Core.Errors;

namespace PgArk.Core.Codecs;

/// <summary>
/// Reads one or more concatenated gzip members through the system zlib's inflate, which verifies each member's
/// CRC-32 and length. (GZipStream is not used here: it returns a clean end of data for truncated input.)
/// </summary>
internal sealed unsafe class GzipDecoderStream : DecoderStream
{
    private readonly ZlibNative.InflateHandle _inflate;
    private bool _memberEnded;

    public GzipDecoderStream(Stream input, bool leaveOpen)
        : base(input, leaveOpen)
    {
        var status = ZlibNative.InflateHandle.Create(ZlibNative.GzipWindowBits, out _inflate);
        if (status != ZlibNative.Ok)
        {
            throw new OperationFailedException($"gzip decompression failed: {ZlibNative.Describe(status, null)}");
        }
    }

    protected override string CodecName => "gzip";

    protected override int Decode(ReadOnlySpan<byte> input, Span<byte> output, out int written, out bool frameComplete)
    {
        var stream = _inflate.Stream;
        if (_memberEnded)
        {
            if (input.IsEmpty)
            {
                written = 0;
                frameComplete = true;
                return 0;
            }

            // More input after a member's trailer: it must be another member.
            ZlibNative.inflateReset(stream);
            _memberEnded = false;
        }

        fixed (byte* source = input)
        fixed (byte* destination = output)
        {
            stream->NextIn = source;
            stream->AvailIn = (uint)input.Length;
            stream->NextOut = destination;
            stream->AvailOut = (uint)output.Length;
            var status = ZlibNative.inflate(stream, ZlibNative.NoFlush);
            var consumed = input.Length - (int)stream->AvailIn;
            written = output.Length - (int)stream->AvailOut;
            stream->NextIn = null;
            stream->NextOut = null;

            if (status is not (ZlibNative.Ok or ZlibNative.StreamEnd or ZlibNative.BufferError))
            {
                throw new IntegrityException($"gzip decompression failed: {ZlibNative.Describe(status, stream->Message)}");
            }

            _memberEnded = status == ZlibNative.StreamEnd;
            frameComplete = _memberEnded;
            return consumed;
        }
    }

    protected override void ReleaseDecoder() => _inflate.Dispose();
}
