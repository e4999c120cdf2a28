using System.Runtime.InteropServices;

namespace PgArk.Core.Codecs;

/// <summary>P/Invoke surface of libzstd's streaming API (zstd.h, 1.4+ "advanced" streaming functions).</summary>
internal static unsafe partial class ZstdNative
{
    private const string Library = "libzstd.so.1";

    // ZSTD_cParameter values.
    internal const int CompressionLevelParameter = 100;
    internal const int ChecksumFlagParameter = 201;

    // ZSTD_EndDirective values.
    internal const int EndContinue = 0;
    internal const int EndFlush = 1;
    internal const int EndFrame = 2;

    /// <summary>Layout shared by ZSTD_inBuffer and ZSTD_outBuffer: pointer, size, position.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Buffer
    {
        public byte* Data;
        public nuint Size;
        public nuint Position;
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
            ZSTD_freeCCtx(handle);
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
            ZSTD_freeDCtx(handle);
            return true;
        }
    }

    [LibraryImport(Library)]
    internal static partial CompressionContextHandle ZSTD_createCCtx();

    [LibraryImport(Library)]
    internal static partial nuint ZSTD_freeCCtx(IntPtr cctx);

    [LibraryImport(Library)]
    internal static partial nuint ZSTD_CCtx_setParameter(CompressionContextHandle cctx, int parameter, int value);

    [LibraryImport(Library)]
    internal static partial nuint ZSTD_compressStream2(CompressionContextHandle cctx, Buffer* output, Buffer* input, int endOp);

    [LibraryImport(Library)]
    internal static partial DecompressionContextHandle ZSTD_createDCtx();

    [LibraryImport(Library)]
    internal static partial nuint ZSTD_freeDCtx(IntPtr dctx);

    [LibraryImport(Library)]
    internal static partial nuint ZSTD_decompressStream(DecompressionContextHandle dctx, Buffer* output, Buffer* input);

    [LibraryImport(Library)]
    internal static partial int ZSTD_minCLevel();

    [LibraryImport(Library)]
    internal static partial int ZSTD_maxCLevel();

    [LibraryImport(Library)]
    internal static partial uint ZSTD_isError(nuint code);

    [LibraryImport(Library)]
    internal static partial byte* ZSTD_getErrorName(nuint code);

    internal static bool IsError(nuint code) => ZSTD_isError(code) != 0;

    internal static string ErrorName(nuint code) => Marshal.PtrToStringUTF8((IntPtr)ZSTD_getErrorName(code)) ?? "unknown error";
}
