using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using Npgsql.Replication;
using NpgsqlTypes;
using PgArk.Core.Catalog;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;
using PgArk.Core.Wal;

namespace PgArk.Core.Streaming;

/// <summary>What a stream did until it was stopped.</summary>
internal sealed record WalStreamSummary(string Slot, uint Timeline, string FlushedLsn, int SegmentsStored, int PartialsStored, int Reconnects);

/// <summary>
/// <c>pgark stream</c>: receives WAL over the physical replication protocol through a slot of its own and stores it
/// with <see cref="WalArchiver"/>'s write path: complete segments exactly as archive-push stores them, the segment being
/// received as a <c>.partial</c> object replaced as it grows. The position reported to the server as flushed is only
/// ever what every repository holds durably, so the slot keeps the rest and a synchronous standby entry for the
/// streamer (its application_name is the slot name) makes a commit wait until its WAL is in the repository.
/// </summary>
/// <remarks>
/// Two loops share the received WAL: the receiver appends what the server sends to the segment in memory (one array
/// per segment, so bytes below a segment's length never change again and the uploader reads them without copying);
/// the uploader stores whatever is new each round, so under load one upload covers many server messages (group
/// commit) and at most one upload runs at a time. Connection loss and server restarts are retried with backoff from
/// the last received byte; the receiver keeps the bytes not yet durable, so nothing is skipped.
/// </remarks>
internal sealed class WalStreamer
{
    /// <summary>Complete segments waiting for the uploader before the receiver stops reading (memory bound).</summary>
    private const int MaxQueuedSegments = 4;

    /// <summary>Chunks after which the partial copy is rewritten whole however little they hold (bounds what restore lists and reads).</summary>
    private const int MaxChunksPerCopy = 1024;

    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_finalUploadTimeout = TimeSpan.FromSeconds(60);

    private readonly string _server;
    private readonly string _connectionString;
    private readonly IReadOnlyList<Repository> _repositories;
    private readonly WalArchiver _archiver;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Queue<SegmentBuffer> _completed = new();
    private readonly Channel<bool> _work = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Channel<bool> _drained = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    private long _segmentSize;
    private uint _timeline;
    private SegmentBuffer? _current;
    private (ulong Start, int Length) _storedPartial;

    /// <summary>Chunks stored after the current segment's newest partial copy, and the bytes they hold.</summary>
    private (int Count, long Bytes) _chunks;
    private long _flushed;

    /// <summary>
    /// The slot's restart LSN when this process started: what an earlier streamer already made durable (its last partial
    /// copy may reach that far). A partial copy shorter than that is not stored, so a restarted streamer never replaces
    /// the repository's newest WAL with less while it catches up.
    /// </summary>
    private ulong _partialFloor;
    private PhysicalReplicationConnection? _connection;
    private int _segmentsStored;
    private int _partialsStored;
    private int _reconnects;
    private Exception? _uploadFailure;

    public WalStreamer(string server, string connectionString, IReadOnlyList<Repository> repositories, ILogger logger)
    {
        _server = server;
        _connectionString = connectionString;
        _repositories = repositories;
        _logger = logger;
        _archiver = new WalArchiver(logger);
        Slot = WalStreamSlot.NameFor(server);
    }

    public string Slot { get; }

    /// <summary>End of the WAL durable in every repository (what the server was told is flushed).</summary>
    public Lsn FlushedLsn => new((ulong)Interlocked.Read(ref _flushed));

    /// <summary>Called after each advance of <see cref="FlushedLsn"/> (progress for the front ends).</summary>
    public Action<Lsn>? Flushed { get; init; }

    /// <summary>
    /// Streams until <paramref name="stopToken"/> fires (then stores what was received and returns) or a failure that
    /// retrying cannot fix. A timeline switch of the server (a promotion) is followed: see <see cref="SwitchTimelineAsync"/>.
    /// </summary>
    public async Task<WalStreamSummary> RunAsync(CancellationToken stopToken)
    {
        var record = await _repositories[0].RequireServerRecordAsync(_server, stopToken).ConfigureAwait(false);
        _segmentSize = record.WalSegmentSize;
        while (true)
        {
            var (fatal, next) = await StreamTimelineAsync(record, stopToken).ConfigureAwait(false);
            if (fatal is not null)
            {
                throw fatal is PgArkException ? fatal : new OperationFailedException($"streaming of server '{_server}' stopped: {fatal.Message}", null, fatal);
            }
            if (next is null)
            {
                return new WalStreamSummary(Slot, _timeline, FlushedLsn.ToString(), _segmentsStored, _partialsStored, _reconnects);
            }
            await SwitchTimelineAsync(next, stopToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Streams the current timeline until a stop, a fatal failure, or the server's switch to another timeline; in each
    /// case whatever was received is stored before returning.
    /// </summary>
    private async Task<(Exception? Fatal, TimelineSwitch? Next)> StreamTimelineAsync(ServerRecord record, CancellationToken stopToken)
    {
        using var uploaderStop = new CancellationTokenSource();
        var uploader = Task.Run(() => UploadLoopAsync(uploaderStop.Token), CancellationToken.None);
        Exception? fatal = null;
        TimelineSwitch? next = null;
        try
        {
            await ReceiveLoopAsync(record, stopToken).ConfigureAwait(false);
        }
        catch (Exception) when (stopToken.IsCancellationRequested)
        {
            // Asked to stop: however the connection reported its cancellation, this is the normal end.
        }
        catch (TimelineSwitchException ex)
        {
            next = ex.Switch;
        }
        catch (Exception ex)
        {
            fatal = ex;
        }
        // Whatever was received is stored before the streamer ends (a stop must not leave durable-looking gaps).
        uploaderStop.Cancel();
        await uploader.ConfigureAwait(false);
        using (var final = new CancellationTokenSource(s_finalUploadTimeout))
        {
            try
            {
                await UploadPendingAsync(final.Token, compact: true).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is PgArkException or IOException or OperationCanceledException)
            {
                _logger.LogError("WAL received from server '{Server}' after {Lsn} could not be stored before stopping: {Message}", _server, FlushedLsn,
                    ex.Message);
                // The old timeline's last segment is not all stored: following the new one would leave a hole before it.
                fatal ??= next is null ? null : new StreamStoppedException(
                    $"server '{_server}' switched to timeline {next.Timeline}, but the WAL of timeline {_timeline} up to the switch could not be stored: {ex.Message}",
                    $"start 'pgark stream --server {_server}' again once the repository is writable");
            }
        }
        return (fatal, fatal is null ? next : null);
    }

    private async Task ReceiveLoopAsync(ServerRecord record, CancellationToken stopToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (true)
        {
            stopToken.ThrowIfCancellationRequested();
            var received = ReceivedEnd();
            try
            {
                await StreamOnceAsync(record, stopToken).ConfigureAwait(false);
                _logger.LogWarning("server '{Server}' ended the replication stream at {Lsn}; reconnecting", _server, ReceivedEnd());
            }
            catch (Exception ex) when (IsTransient(ex) && !stopToken.IsCancellationRequested)
            {
                _logger.LogWarning("streaming from server '{Server}' interrupted at {Lsn}: {Message}; reconnecting in {Seconds:0} s", _server, ReceivedEnd(),
                    ex.Message, backoff.TotalSeconds);
            }
            _reconnects++;
            // A connection that made progress resets the backoff: a restart is retried quickly, a dead server slowly.
            backoff = ReceivedEnd() != received ? TimeSpan.FromSeconds(1) : backoff;
            await Task.Delay(backoff, stopToken).ConfigureAwait(false);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, s_maxBackoff.Ticks));
        }
    }

    /// <summary>Errors after which a new connection may succeed (server restart, network, slot briefly still active).</summary>
    private static bool IsTransient(Exception ex) => ex switch
    {
        StreamStoppedException or IntegrityException or RefusedException => false,
        // 58P01: the requested WAL was removed (the slot was dropped and recreated, or is invalidated): a gap no retry fills.
        PostgresException { SqlState: "58P01" } => false,
        _ => ex is NpgsqlException or IOException or TimeoutException or PgArkException or InvalidOperationException or ObjectDisposedException,
    };

    private async Task StreamOnceAsync(ServerRecord record, CancellationToken stopToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(_connectionString) { ApplicationName = Slot, Pooling = false };
        Lsn slotStart;
        // Slot management over an ordinary session (works on every supported version, unlike READ_REPLICATION_SLOT).
        var session = await PostgresSession.OpenAsync(_server, _connectionString, stopToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            slotStart = await WalStreamSlot.EnsureAsync(session, Slot, stopToken).ConfigureAwait(false);
        }
        var connection = new PhysicalReplicationConnection(builder.ConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.Open(stopToken).ConfigureAwait(false);
            var system = await connection.IdentifySystem(stopToken).ConfigureAwait(false);
            if (system.SystemId != record.SystemIdentifier.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                throw new IntegrityException(
                    $"server '{_server}' has system identifier {system.SystemId}, its repository records {record.SystemIdentifier}");
            }
            if (_timeline != 0 && system.Timeline != _timeline)
            {
                var next = await ReadTimelineSwitchAsync(system.Timeline, stopToken).ConfigureAwait(false);
                if (ReceivedEnd() >= next.SwitchPoint)
                {
                    throw new TimelineSwitchException(next);
                }
                // WAL of the old timeline is still missing: the server streams it up to the switch point and ends the
                // stream there (Npgsql reports that end as an unexpected CommandComplete: a retried error); the next
                // connection switches.
                _logger.LogInformation("server '{Server}' switched to timeline {Next} at {SwitchPoint}; storing timeline {Timeline} up to there first", _server,
                    next.Timeline, next.SwitchPoint, _timeline);
            }
            Lsn? switchPoint = null;
            if (ReceivedEnd() == Lsn.Zero && system.Timeline > 1)
            {
                switchPoint = await StoreTimelineHistoryAsync(system.Timeline, stopToken).ConfigureAwait(false);
            }
            ulong resume;
            lock (_gate)
            {
                if (_current is null)
                {
                    // A new streamer starts at the start of the slot's segment, so every stored segment is whole; on a
                    // timeline new to the repository, at the start of the segment holding its switch point.
                    var from = switchPoint is { } sp && sp < slotStart ? sp : slotStart;
                    var start = from.SegmentNumber(_segmentSize) * (ulong)_segmentSize;
                    _current = new SegmentBuffer(start, new byte[_segmentSize]);
                    _timeline = system.Timeline;
                    // The slot's position is what an earlier streamer made durable, unless the slot is new on this server.
                    _partialFloor = from == slotStart ? slotStart.Value : 0;
                    Interlocked.Exchange(ref _flushed, (long)Math.Max(start, _partialFloor));
                    _logger.LogInformation("streaming server '{Server}' through slot {Slot} from {Lsn} on timeline {Timeline}", _server, Slot,
                        new Lsn(start), _timeline);
                }
                resume = _current.Start + (ulong)_current.Length;
            }
            connection.SetReplicationStatus(new NpgsqlLogSequenceNumber((ulong)Interlocked.Read(ref _flushed)));
            Volatile.Write(ref _connection, connection);
            var appending = false;
            try
            {
                var slot = new PhysicalReplicationSlot(Slot);
                await foreach (var message in connection.StartReplication(slot, new NpgsqlLogSequenceNumber(resume), stopToken, _timeline)
                    .ConfigureAwait(false))
                {
                    appending = true;
                    await AppendAsync((ulong)message.WalStart, message.Data, stopToken).ConfigureAwait(false);
                    appending = false;
                }
            }
            catch (NullReferenceException ex) when (!appending && ThrownByNpgsql(ex))
            {
                // Npgsql's replication stream can fail this way when the connection breaks while the uploader sends a
                // status update on it (seen when the server stops under a synchronous load): a lost connection, retried.
                throw new IOException($"the replication connection failed: {ex.Message}", ex);
            }
            finally
            {
                Volatile.Write(ref _connection, null);
            }
        }
    }

    /// <summary>
    /// Where the current timeline ended and which timeline followed it, from the history file of the server's timeline
    /// <paramref name="serverTimeline"/> (lines "parent timeline, switch point, reason"; with several switches since,
    /// the one after the current timeline is followed first, the others on later connections).
    /// </summary>
    private async Task<TimelineSwitch> ReadTimelineSwitchAsync(uint serverTimeline, CancellationToken cancellationToken)
    {
        var refusal = $"server '{_server}' is on timeline {serverTimeline}, which does not continue timeline {_timeline} that pgark stream was following";
        var hint = $"if this is another cluster's history (a failover to a server that was not a standby of this one), take a new full backup, then start 'pgark stream --server {_server}' again";
        if (serverTimeline < _timeline)
        {
            throw new StreamStoppedException(refusal, hint);
        }
        var session = await PostgresSession.OpenAsync(_server, _connectionString, cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var (name, content) = await ReadHistoryFileAsync(session, serverTimeline, cancellationToken).ConfigureAwait(false);
            var entries = ParseTimelineHistory(System.Text.Encoding.ASCII.GetString(content));
            var index = entries.FindIndex(e => e.Parent == _timeline);
            if (index < 0)
            {
                throw new StreamStoppedException(refusal, hint);
            }
            if (index + 1 == entries.Count)
            {
                return new TimelineSwitch(serverTimeline, entries[index].SwitchPoint, name, content);
            }
            var next = entries[index + 1].Parent;
            var (nextName, nextContent) = await ReadHistoryFileAsync(session, next, cancellationToken).ConfigureAwait(false);
            return new TimelineSwitch(next, entries[index].SwitchPoint, nextName, nextContent);
        }
    }

    /// <summary>
    /// A streamer that starts on a timeline after the first stores that timeline's history file (recovery needs it to
    /// follow the switch, and with archiving off nothing else stores it; storing identical content again is a no-op).
    /// When the repository did not have it yet but holds WAL of the parent timeline at the switch point, the server is
    /// a promoted standby of the streamed one (a failover, the streamer then pointed at the new primary): returns the
    /// switch point, so that streaming starts there and the new timeline's WAL before the new slot's position is stored
    /// too. Otherwise null (streaming starts at the slot).
    /// </summary>
    private async Task<Lsn?> StoreTimelineHistoryAsync(uint timeline, CancellationToken cancellationToken)
    {
        var historyName = WalFileName.Parse($"{timeline:X8}.history");
        var known = await _repositories[0].FindWalAsync(_server, historyName, cancellationToken).ConfigureAwait(false) is not null;
        byte[] content;
        var session = await PostgresSession.OpenAsync(_server, _connectionString, cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            (_, content) = await ReadHistoryFileAsync(session, timeline, cancellationToken).ConfigureAwait(false);
        }
        await _archiver.PushAsync(_server, historyName, content, _repositories, cancellationToken).ConfigureAwait(false);
        var entries = ParseTimelineHistory(System.Text.Encoding.ASCII.GetString(content));
        if (known || entries.Count == 0)
        {
            return null;
        }
        var (parent, switchPoint) = entries[^1];
        var segment = WalFileName.Parse(WalFileName.SegmentFileName(parent, switchPoint, _segmentSize));
        var streamed = await _repositories[0].FindWalAsync(_server, segment, cancellationToken).ConfigureAwait(false) is not null
            || await _repositories[0].FindWalAsync(_server, WalFileName.Parse(segment.Name + ".partial"), cancellationToken).ConfigureAwait(false) is not null;
        if (!streamed)
        {
            return null;
        }
        _logger.LogWarning("server '{Server}' is on timeline {Timeline}, new to the repository, which switched from timeline {Parent} at {SwitchPoint}: streaming it from there",
            _server, timeline, parent, switchPoint);
        return switchPoint;
    }

    /// <summary>
    /// A timeline's history file, read from the server's pg_wal over an ordinary session: Npgsql's TIMELINE_HISTORY
    /// reads the content column as bytea, but PostgreSQL 15 sends it as text, so that call always fails with a cast error.
    /// </summary>
    private async Task<(string Name, byte[] Content)> ReadHistoryFileAsync(PostgresSession session, uint timeline, CancellationToken cancellationToken)
    {
        var name = $"{timeline:X8}.history";
        try
        {
            return (name, await session.ScalarAsync<byte[]>("SELECT pg_read_binary_file('pg_wal/' || $1)", cancellationToken, name).ConfigureAwait(false));
        }
        catch (OperationFailedException ex) when (ex.InnerException is PostgresException { SqlState: "42501" })
        {
            throw new StreamStoppedException(
                $"server '{_server}' switched to timeline {timeline}, and its history file cannot be read to follow it: {ex.Message}",
                "GRANT EXECUTE ON FUNCTION pg_read_binary_file(text) (or the pg_read_server_files role) to the streaming role, then start pgark stream again");
        }
    }

    /// <summary>Parses a PostgreSQL timeline history file: one "parentTLI switchpoint reason" line per switch, # comments.</summary>
    internal static List<(uint Parent, Lsn SwitchPoint)> ParseTimelineHistory(string content)
    {
        var entries = new List<(uint Parent, Lsn SwitchPoint)>();
        foreach (var raw in content.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            var fields = line.Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2 || !uint.TryParse(fields[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parent)
                || !Lsn.TryParse(fields[1], out var switchPoint))
            {
                throw new IntegrityException($"timeline history line '{line}' is not 'timeline switchpoint reason'");
            }
            entries.Add((parent, switchPoint));
        }
        return entries;
    }

    /// <summary>
    /// Continues on the next timeline once everything received on the old one is stored (its last segment stays a
    /// <c>.partial</c>, as PostgreSQL's own archiver leaves it): stores the new timeline's history file, which recovery
    /// needs to follow the switch, then streams the new timeline from the start of the segment holding the switch point,
    /// so its first segment is whole (the server serves the bytes before the switch point from the old timeline).
    /// </summary>
    private async Task SwitchTimelineAsync(TimelineSwitch next, CancellationToken stopToken)
    {
        await _archiver.PushAsync(_server, WalFileName.Parse(next.HistoryFileName), next.History, _repositories, stopToken).ConfigureAwait(false);
        var start = next.SwitchPoint.SegmentNumber(_segmentSize) * (ulong)_segmentSize;
        lock (_gate)
        {
            _current = new SegmentBuffer(start, new byte[_segmentSize]);
            _timeline = next.Timeline;
        }
        _storedPartial = default;
        _chunks = default;
        _partialFloor = 0;
        // Past the switch point the old timeline's WAL is not the new one's: nothing of the new timeline is durable yet.
        Interlocked.Exchange(ref _flushed, Math.Min(Interlocked.Read(ref _flushed), (long)next.SwitchPoint.Value));
        // A warning: a promotion or failover is worth an operator's look even though nothing is lost.
        _logger.LogWarning("server '{Server}' switched to timeline {Timeline} at {SwitchPoint}; streaming it from {Start}", _server, next.Timeline,
            next.SwitchPoint, new Lsn(start));
    }

    private Lsn ReceivedEnd()
    {
        lock (_gate)
        {
            return _current is null ? Lsn.Zero : new Lsn(_current.Start + (ulong)_current.Length);
        }
    }

    /// <summary>Appends one message's WAL at <paramref name="walStart"/>, completing segments as they fill.</summary>
    private async Task AppendAsync(ulong walStart, Stream data, CancellationToken cancellationToken)
    {
        var expected = (ulong)ReceivedEnd().Value;
        if (walStart != expected)
        {
            // The server sends from the requested position on; anything else would be a hole or an overlap in the segment.
            throw new IOException($"the server sent WAL at {new Lsn(walStart)}, expected {new Lsn(expected)}");
        }
        while (true)
        {
            SegmentBuffer current;
            lock (_gate)
            {
                current = _current!;
            }
            var read = await data.ReadAsync(current.Bytes.AsMemory(current.Length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }
            var full = false;
            lock (_gate)
            {
                current.Length += read;
                if (current.Length == current.Bytes.Length)
                {
                    _completed.Enqueue(current);
                    _current = new SegmentBuffer(current.Start + (ulong)_segmentSize, new byte[_segmentSize]);
                    full = _completed.Count >= MaxQueuedSegments;
                }
            }
            _work.Writer.TryWrite(true);
            while (full)
            {
                // The repository is slower than the server: stop reading (the server buffers, the slot keeps the WAL).
                await _drained.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                lock (_gate)
                {
                    full = _completed.Count >= MaxQueuedSegments;
                }
            }
        }
    }

    private async Task UploadLoopAsync(CancellationToken stopToken)
    {
        var backoff = TimeSpan.FromMilliseconds(500);
        try
        {
            while (true)
            {
                await _work.Reader.ReadAsync(stopToken).ConfigureAwait(false);
                try
                {
                    await UploadPendingAsync(stopToken).ConfigureAwait(false);
                    backoff = TimeSpan.FromMilliseconds(500);
                    _uploadFailure = null;
                }
                catch (Exception ex) when (ex is PgArkException or IOException or UnauthorizedAccessException && !stopToken.IsCancellationRequested)
                {
                    // Nothing is reported flushed; the slot keeps the WAL on the server and the next round stores it.
                    if (_uploadFailure?.Message != ex.Message)
                    {
                        _logger.LogError("unable to store streamed WAL of server '{Server}': {Message}; retrying", _server, ex.Message);
                    }
                    _uploadFailure = ex;
                    await Task.Delay(backoff, stopToken).ConfigureAwait(false);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, s_maxBackoff.Ticks));
                    _work.Writer.TryWrite(true);
                }
            }
        }
        catch (OperationCanceledException) when (stopToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Stores every complete segment received, then the current segment's new bytes: a chunk after its partial copy, or
    /// a new whole copy (see below). <paramref name="compact"/> (when stopping) always leaves one whole copy and no chunks.
    /// </summary>
    private async Task UploadPendingAsync(CancellationToken cancellationToken, bool compact = false)
    {
        while (true)
        {
            SegmentBuffer? done;
            lock (_gate)
            {
                _completed.TryPeek(out done);
            }
            if (done is null)
            {
                break;
            }
            var name = SegmentName(done.Start);
            await _archiver.PushAsync(_server, name, done.Bytes, _repositories, cancellationToken).ConfigureAwait(false);
            // The complete segment is durable everywhere before its partial copies go: restore always finds one of them.
            await WalArchiver.RemovePartialsAsync(_server, name, _repositories, cancellationToken).ConfigureAwait(false);
            await StreamedPartialChunks.RemoveAsync(_server, name, long.MaxValue, _repositories, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                _completed.Dequeue();
            }
            _segmentsStored++;
            _drained.Writer.TryWrite(true);
            await ReportFlushedAsync(done.Start + (ulong)_segmentSize, cancellationToken).ConfigureAwait(false);
        }
        SegmentBuffer current;
        int length;
        lock (_gate)
        {
            if (_current is null)
            {
                return;
            }
            (current, length) = (_current, _current.Length);
        }
        if (length == 0 || current.Start + (ulong)length < _partialFloor)
        {
            return;
        }
        var stored = _storedPartial.Start == current.Start ? _storedPartial.Length : 0;
        if (stored >= length && !(compact && _chunks.Count > 0))
        {
            return;
        }
        var segment = SegmentName(current.Start);
        // The first copy of a segment (this process does not know what an earlier one left) is written whole; after it
        // only the new bytes, as a chunk. Once the chunks hold as much as the copy (or are many), the copy is rewritten
        // whole and they go: every byte is rewritten at most about twice, so a flush costs what it adds, not the segment.
        if (stored == 0 || compact || _chunks.Bytes + (length - stored) >= stored || _chunks.Count >= MaxChunksPerCopy)
        {
            await _archiver.PushPartialAsync(_server, segment, current.Bytes.AsMemory(0, length), _repositories, cancellationToken).ConfigureAwait(false);
            // The longer copy is durable everywhere first, so what the removed chunks held is still there.
            await StreamedPartialChunks.RemoveAsync(_server, segment, length, _repositories, cancellationToken).ConfigureAwait(false);
            _chunks = default;
        }
        else
        {
            await StreamedPartialChunks.PushAsync(_server, segment, stored, current.Bytes.AsMemory(stored, length - stored), _repositories, cancellationToken)
                .ConfigureAwait(false);
            _chunks = (_chunks.Count + 1, _chunks.Bytes + (length - stored));
        }
        _storedPartial = (current.Start, length);
        _partialsStored++;
        await ReportFlushedAsync(current.Start + (ulong)length, cancellationToken).ConfigureAwait(false);
    }

    private WalFileName SegmentName(ulong start) => WalFileName.Parse(WalFileName.SegmentFileName(_timeline, new Lsn(start), _segmentSize));

    /// <summary>Tells the server (at once: a synchronous commit may be waiting for it) that WAL up to <paramref name="lsn"/> is durable.</summary>
    private async Task ReportFlushedAsync(ulong lsn, CancellationToken cancellationToken)
    {
        if ((long)lsn <= Interlocked.Read(ref _flushed))
        {
            return;
        }
        Interlocked.Exchange(ref _flushed, (long)lsn);
        Flushed?.Invoke(new Lsn(lsn));
        if (Volatile.Read(ref _connection) is not { } connection)
        {
            return; // the next connection reports it before streaming
        }
        try
        {
            connection.SetReplicationStatus(new NpgsqlLogSequenceNumber(lsn));
            await connection.SendStatusUpdate(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or ObjectDisposedException
            || (ex is NullReferenceException && ThrownByNpgsql(ex)))
        {
            // (NullReferenceException: Npgsql's, when the connection is torn down under this send.)
            // The receiver sees the broken connection too and reconnects; the new connection starts by reporting this.
            _logger.LogDebug("flush position {Lsn} not reported: {Message}", new Lsn(lsn), ex.Message);
        }
    }

    /// <summary>
    /// Whether the exception was thrown inside Npgsql: its replication stream can fail with a NullReferenceException when
    /// the connection is torn down under a status update. One thrown by PgArk's own code is a bug and must stop the streamer.
    /// </summary>
    private static bool ThrownByNpgsql(Exception ex) =>
        ex.TargetSite?.DeclaringType?.FullName?.StartsWith("Npgsql", StringComparison.Ordinal) == true;

    /// <summary>One segment being received: its start LSN, a segment-sized array, and how much of it has arrived.</summary>
    private sealed class SegmentBuffer(ulong start, byte[] bytes)
    {
        public ulong Start { get; } = start;
        public byte[] Bytes { get; } = bytes;
        public int Length { get; set; }
    }
}

/// <summary>A condition under which streaming stops instead of reconnecting (a timeline that does not continue the streamed one).</summary>
public sealed class StreamStoppedException(string message, string? hint = null) : PgArkException(ErrorKind.Failed, message, hint);

/// <summary>The timeline a server switched to, where the previous one ended, and the new timeline's history file.</summary>
internal sealed record TimelineSwitch(uint Timeline, Lsn SwitchPoint, string HistoryFileName, byte[] History);

/// <summary>Ends a connection's streaming so that the streamer stores the old timeline and continues on the new one.</summary>
internal sealed class TimelineSwitchException(TimelineSwitch next) : Exception($"switch to timeline {next.Timeline}")
{
    public TimelineSwitch Switch { get; } = next;
}
