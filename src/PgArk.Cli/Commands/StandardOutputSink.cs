namespace PgArk.Cli.Commands;

/// <summary>
/// The command's stdout as a byte stream, for an operation that streams what it produces there when its input names no
/// file (<see cref="Core.Operations.OperationContext.StandardOutput"/>). Opened on first use only; once it was, stdout
/// belongs to those bytes and the command renders its result on stderr.
/// </summary>
internal sealed class StandardOutputSink(CliContext context)
{
    private Stream? _stream;

    /// <summary>Whether the operation wrote (or began to write) to stdout.</summary>
    public bool Used => _stream is not null;

    public Stream Open()
    {
        if (_stream is null)
        {
            // Text written so far goes first; the process's own stdout is written directly, a redirected writer (tests) as UTF-8 text.
            context.Out.Flush();
            _stream = ReferenceEquals(context.Out, Console.Out) ? Console.OpenStandardOutput() : new TextWriterStream(context.Out);
        }
        return _stream;
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_stream is not null)
        {
            await _stream.FlushAsync(cancellationToken);
        }
    }
}

/// <summary>Bytes written become UTF-8 text on a writer (stdout redirected in-process, as in tests).</summary>
internal sealed class TextWriterStream(TextWriter writer) : Stream
{
    private readonly System.Text.Decoder _decoder = new System.Text.UTF8Encoding(false).GetDecoder();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => writer.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var chars = new char[_decoder.GetCharCount(buffer, flush: false)];
        _decoder.GetChars(buffer, chars, flush: false);
        writer.Write(chars);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }
}
