using System.Buffers;
using PgArk.Core.Common;
using Microsoft.Win32.SafeHandles;

namespace PgArk.Core.Storage.Posix;

/// <summary>
/// Writes a temporary file through a pooled 1 MiB buffer (writes at least that large go straight to the file), then
/// on completion fsyncs it, renames it over the final name and optionally fsyncs the folders. Disposing before
/// completion deletes the temporary file.
/// </summary>
internal sealed class PosixWriteStream : RepositoryWriteStream
{
    internal const int BufferSize = 1024 * 1024;

    private readonly FileStream _file;
    private readonly SafeFileHandle _handle;
    private readonly string _temporaryPath;
    private readonly string _finalPath;
    private readonly IReadOnlyList<string> _foldersToSync;
    private byte[]? _buffer;
    private int _buffered;
    private long _offset;
    private State _state;

    public PosixWriteStream(FileStream file, string temporaryPath, string finalPath, IReadOnlyList<string> foldersToSync, bool syncFile = true)
    {
        _file = file;
        _handle = file.SafeFileHandle;
        _temporaryPath = temporaryPath;
        _finalPath = finalPath;
        _foldersToSync = foldersToSync;
        _syncFile = syncFile;
    }

    private readonly bool _syncFile;

    private enum State
    {
        Open,
        Completed,
        Disposed,
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfNotOpen();
        try
        {
            if (_buffered == 0 && buffer.Length >= BufferSize)
            {
                WriteToFile(buffer);
                return;
            }

            while (!buffer.IsEmpty)
            {
                buffer = Append(buffer);
                if (_buffered == BufferSize)
                {
                    WriteToFile(_buffer.AsSpan(0, _buffered));
                    _buffered = 0;
                }
            }
        }
        catch (Exception ex) when (PosixStorage.IsIoFailure(ex))
        {
            throw PosixStorage.Failure($"unable to write file '{_finalPath}'", ex);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfNotOpen();
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            if (_buffered == 0 && buffer.Length >= BufferSize)
            {
                await WriteToFileAsync(buffer, cancellationToken).ConfigureAwait(false);
                return;
            }

            while (!buffer.IsEmpty)
            {
                var copied = buffer.Length - Append(buffer.Span).Length;
                buffer = buffer[copied..];
                if (_buffered == BufferSize)
                {
                    await WriteToFileAsync(_buffer.AsMemory(0, _buffered), cancellationToken).ConfigureAwait(false);
                    _buffered = 0;
                }
            }
        }
        catch (Exception ex) when (PosixStorage.IsIoFailure(ex))
        {
            throw PosixStorage.Failure($"unable to write file '{_finalPath}'", ex);
        }
    }

    /// <summary>Writes buffered data to the temporary file (no fsync: durability is CompleteAsync's job).</summary>
    public override void Flush()
    {
        if (_state != State.Open || _buffered == 0)
        {
            return;
        }

        try
        {
            WriteToFile(_buffer.AsSpan(0, _buffered));
            _buffered = 0;
        }
        catch (Exception ex) when (PosixStorage.IsIoFailure(ex))
        {
            throw PosixStorage.Failure($"unable to write file '{_finalPath}'", ex);
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_state != State.Open || _buffered == 0)
        {
            return;
        }

        try
        {
            await WriteToFileAsync(_buffer.AsMemory(0, _buffered), cancellationToken).ConfigureAwait(false);
            _buffered = 0;
        }
        catch (Exception ex) when (PosixStorage.IsIoFailure(ex))
        {
            throw PosixStorage.Failure($"unable to write file '{_finalPath}'", ex);
        }
    }

    public override async Task CompleteAsync(CancellationToken cancellationToken)
    {
        ThrowIfNotOpen();
        cancellationToken.ThrowIfCancellationRequested();
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The data must reach the disk before the rename makes it visible; otherwise a crash could leave a
            // complete-looking file with missing content.
            if (_syncFile)
            {
                await Task.Run(() => RandomAccess.FlushToDisk(_handle), cancellationToken).ConfigureAwait(false);
            }
            _file.Dispose();
            ReturnBuffer();

            // Last point at which cancelling still leaves nothing behind.
            cancellationToken.ThrowIfCancellationRequested();
            File.Move(_temporaryPath, _finalPath, overwrite: true);
            _state = State.Completed;
        }
        catch (Exception ex) when (PosixStorage.IsIoFailure(ex))
        {
            throw PosixStorage.Failure($"unable to complete write of file '{_finalPath}'", ex);
        }

        try
        {
            foreach (var folder in _foldersToSync)
            {
                Libc.SyncFolder(folder);
            }
        }
        catch (Exception ex) when (PosixStorage.IsIoFailure(ex))
        {
            throw PosixStorage.Failure($"unable to sync folder of file '{_finalPath}'", ex);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _state != State.Disposed)
        {
            var completed = _state == State.Completed;
            _state = State.Disposed;
            _file.Dispose();
            ReturnBuffer();
            if (!completed)
            {
                try
                {
                    File.Delete(_temporaryPath);
                }
                catch (Exception ex) when (PosixStorage.IsIoFailure(ex))
                {
                    // Best effort: a leftover temporary file is never listed, and Dispose must not throw.
                }
            }
        }

        base.Dispose(disposing);
    }

    private ReadOnlySpan<byte> Append(ReadOnlySpan<byte> data)
    {
        _buffer ??= ArrayPool<byte>.Shared.Rent(BufferSize);
        var count = Math.Min(BufferSize - _buffered, data.Length);
        data[..count].CopyTo(_buffer.AsSpan(_buffered));
        _buffered += count;
        return data[count..];
    }

    private void WriteToFile(ReadOnlySpan<byte> data)
    {
        RandomAccess.Write(_handle, data, _offset);
        _offset += data.Length;
    }

    private async ValueTask WriteToFileAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await RandomAccess.WriteAsync(_handle, data, _offset, cancellationToken).ConfigureAwait(false);
        _offset += data.Length;
    }

    private void ReturnBuffer()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            _buffered = 0;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void ThrowIfNotOpen()
    {
        ObjectDisposedException.ThrowIf(_state == State.Disposed, this);
        if (_state == State.Completed)
        {
            throw new InvalidOperationException($"the write of '{_finalPath}' is already complete");
        }
    }
}
