using System.Runtime.InteropServices;

namespace PgArk.Core.Codecs;

/// <summary>
/// P/Invoke surface of the system zlib's inflate (zlib.h). Used for reading gzip because <see cref="System.IO.Compression.GZipStream"/>
/// reports a truncated stream as a clean end of data.
/// </summary>
internal static unsafe partial class ZlibNative
{
    private const string Library = "libz.so.1";

    internal const int NoFlush = 0;
    internal const int Ok = 0;
    internal const int StreamEnd = 1;
    internal const int BufferError = -5;

    /// <summary>windowBits for inflateInit2: 32 KiB window (15), gzip wrapper only (+16).</summary>
    internal const int GzipWindowBits = 15 + 16;

    /// <summary>z_stream on LP64 platforms (uInt is 32-bit, uLong is 64-bit).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct ZStream
    {
        public byte* NextIn;
        public uint AvailIn;
        public nuint TotalIn;
        public byte* NextOut;
        public uint AvailOut;
        public nuint TotalOut;
        public byte* Message;
        public void* State;
        public void* Alloc;
        public void* Free;
        public void* Opaque;
        public int DataType;
        public nuint Adler;
        public nuint Reserved;
    }

    /// <summary>Owns a z_stream in native memory (zlib keeps a pointer back to it) and its inflate state.</summary>
    internal sealed class InflateHandle : SafeHandle
    {
        public InflateHandle()
            : base(IntPtr.Zero, ownsHandle: true)
        {
        }

        public override bool IsInvalid => handle == IntPtr.Zero;

        public ZStream* Stream => (ZStream*)handle;

        /// <summary>Allocates a z_stream and runs inflateInit2; returns zlib's status and, on Z_OK, the handle.</summary>
        public static int Create(int windowBits, out InflateHandle result)
        {
            result = new InflateHandle();
            var stream = (ZStream*)NativeMemory.AllocZeroed((nuint)sizeof(ZStream));
            var status = inflateInit2_(stream, windowBits, zlibVersion(), sizeof(ZStream));
            if (status != Ok)
            {
                NativeMemory.Free(stream);
                return status;
            }

            result.SetHandle((IntPtr)stream);
            return status;
        }

        protected override bool ReleaseHandle()
        {
            inflateEnd((ZStream*)handle);
            NativeMemory.Free((void*)handle);
            return true;
        }
    }

    [LibraryImport(Library)]
    internal static partial byte* zlibVersion();

    [LibraryImport(Library)]
    internal static partial int inflateInit2_(ZStream* stream, int windowBits, byte* version, int streamSize);

    [LibraryImport(Library)]
    internal static partial int inflate(ZStream* stream, int flush);

    [LibraryImport(Library)]
    internal static partial int inflateReset(ZStream* stream);

    [LibraryImport(Library)]
    internal static partial int inflateEnd(ZStream* stream);

    internal static string Describe(int status, byte* message) =>
        message is not null
            ? Marshal.PtrToStringUTF8((IntPtr)message) ?? "unknown error"
            : status switch
            {
                2 => "a preset dictionary is needed",
                -2 => "inconsistent stream state",
                -3 => "invalid or incomplete deflate data",
                -4 => "out of memory",
                -6 => "incompatible zlib version",
                _ => $"zlib status {status}",
            };
}
