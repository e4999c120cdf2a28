using System.Runtime.InteropServices;

namespace PgArk.Core.Codecs;

/// <summary>P/Invoke surface of liblz4's frame API (lz4frame.h, 1.8+).</summary>
internal static unsafe partial class Lz4Native
{
    private const string Library = "liblz4.so.1";

    /// <summary>LZ4F_VERSION: the frame API version the structs below follow.</summary>
    internal const uint FrameVersion = 100;

    /// <summary>LZ4F_HEADER_SIZE_MAX: largest frame header LZ4F_compressBegin can write.</summary>
    internal const int HeaderSizeMax = 19;

    // LZ4F_blockSizeID_t values.
    internal const int BlockSizeMax64KB = 4;

    /// <summary>LZ4F_frameInfo_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct FrameInfo
    {
        public int BlockSizeId;
        public int BlockMode;
        public int ContentChecksumFlag;
        public int FrameType;
        public ulong ContentSize;
        public uint DictionaryId;
        public int BlockChecksumFlag;
    }

    /// <summary>LZ4F_preferences_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Preferences
    {
        public FrameInfo FrameInfo;
        public int CompressionLevel;
        public uint AutoFlush;
        public uint FavorDecompressionSpeed;
        public uint Reserved0;
        public uint Reserved1;
        public uint Reserved2;
    }

    internal sealed class CompressionContextHandle : SafeHandle
    {
        public CompressionContextHandle()
            : base(IntPtr.Zero, ownsHandle: true)
        {
        }

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            LZ4F_freeCompressionContext(handle);
            return true;
        }
    }

    internal sealed class DecompressionContextHandle : SafeHandle
    {
        public DecompressionContextHandle()
            : base(IntPtr.Zero, ownsHandle: true)
        {
        }

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            LZ4F_freeDecompressionContext(handle);
            return true;
        }
    }

    [LibraryImport(Library)]
    internal static partial nuint LZ4F_createCompressionContext(out CompressionContextHandle cctx, uint version);

    [LibraryImport(Library)]
    internal static partial nuint LZ4F_freeCompressionContext(IntPtr cctx);

    [LibraryImport(Library)]
    internal static partial nuint LZ4F_compressBound(nuint sourceSize, Preferences* preferences);

    [LibraryImport(Library)]
    internal static partial nuint LZ4F_compressBegin(
        CompressionContextHandle cctx, byte* destination, nuint destinationCapacity, Preferences* preferences);

    [LibraryImport(Library)]
    internal static partial nuint LZ4F_compressUpdate(
        CompressionContextHandle cctx, byte* destination, nuint destinationCapacity, byte* source, nuint sourceSize, void* options);

    [LibraryImport(Library)]
    internal static partial nuint LZ4F_flush(CompressionContextHandle cctx, byte* destination, nuint destinationCapacity, void* options);

    [LibraryImport(Library)]
    internal static partial nuint LZ4F_compressEnd(CompressionContextHandle cctx, byte* destination, nuint destinationCapacity, void* options);

    [LibraryImport(Library)]
    internal static partial nuint LZ4F_createDecompressionContext(out DecompressionContextHandle dctx, uint version);

    [LibraryImport(Library)]
    internal static partial nuint LZ4F_freeDecompressionContext(IntPtr dctx);

    [LibraryImport(Library)]
    internal static partial nuint LZ4F_decompress(
        DecompressionContextHandle dctx, byte* destination, nuint* destinationSize, byte* source, nuint* sourceSize, void* options);

    [LibraryImport(Library)]
    internal static partial uint LZ4F_isError(nuint code);

    [LibraryImport(Library)]
    internal static partial byte* LZ4F_getErrorName(nuint code);

    internal static bool IsError(nuint code) => LZ4F_isError(code) != 0;

    internal static string ErrorName(nuint code) => Marshal.PtrToStringUTF8((IntPtr)LZ4F_getErrorName(code)) ?? "unknown error";
}
