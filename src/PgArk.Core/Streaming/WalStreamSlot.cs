using System.Text;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;

namespace PgArk.Core.Streaming;

/// <summary>
/// The physical replication slot of <c>pgark stream</c>: its name (also the streamer's application_name, the name to
/// list in synchronous_standby_names), its creation, and the lag between the server's WAL and what the slot holds.
/// </summary>
internal static class WalStreamSlot
{
    /// <summary><c>pgark_&lt;server&gt;</c> in the characters a slot name allows (lower-case letters, digits, underscore; 63 at most).</summary>
    public static string NameFor(string server)
    {
        var name = new StringBuilder("pgark_");
        foreach (var c in server.ToLowerInvariant())
        {
            name.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' ? c : '_');
        }
        return name.Length > 63 ? name.ToString(0, 63) : name.ToString();
    }

    /// <summary>
    /// The slot's restart LSN, creating the slot (reserving WAL at once) when it does not exist. A physical slot's
    /// restart LSN is the flush position the streamer last reported, so the server keeps every segment not yet durable
    /// in the repository.
    /// </summary>
    public static async Task<Lsn> EnsureAsync(PostgresSession session, string slot, CancellationToken cancellationToken)
    {
        var rows = await session.QueryAsync(
            "SELECT slot_type, restart_lsn::text FROM pg_replication_slots WHERE slot_name = $1", cancellationToken, slot).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            await session.ExecuteAsync("SELECT pg_create_physical_replication_slot($1, true)", cancellationToken, slot).ConfigureAwait(false);
            rows = await session.QueryAsync(
                "SELECT slot_type, restart_lsn::text FROM pg_replication_slots WHERE slot_name = $1", cancellationToken, slot).ConfigureAwait(false);
        }
        if (rows.Count == 0 || (string?)rows[0][0] != "physical")
        {
            throw new RefusedException($"replication slot '{slot}' on server '{session.ServerName}' is not a physical slot",
                "drop it or give the server another name; pgark stream uses a physical slot of that name");
        }
        // A slot created elsewhere without reserving WAL has no restart LSN yet: start at the server's current position.
        return rows[0][1] is string text ? Lsn.Parse(text) : await session.CurrentLsnAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The slot's state on the server, or null when there is no such slot.</summary>
    public static async Task<StreamSlotState?> ReadAsync(PostgresSession session, string slot, CancellationToken cancellationToken)
    {
        // pg_current_wal_lsn() fails on a standby: there, the position replayed so far stands for the server's WAL.
        var rows = await session.QueryAsync("""
            WITH server AS (SELECT CASE WHEN pg_is_in_recovery() THEN coalesce(pg_last_wal_replay_lsn(), '0/0'::pg_lsn)
                                        ELSE pg_current_wal_lsn() END AS lsn)
            SELECT active, restart_lsn::text, server.lsn::text, coalesce(pg_wal_lsn_diff(server.lsn, restart_lsn), 0)::bigint, wal_status
            FROM pg_replication_slots, server WHERE slot_name = $1
            """, cancellationToken, slot).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            return null;
        }
        var row = rows[0];
        return new StreamSlotState(slot, (bool)row[0]!, (string?)row[1], (string)row[2]!, Convert.ToInt64(row[3], System.Globalization.CultureInfo.InvariantCulture),
            (string?)row[4]);
    }
}

/// <summary>
/// A streamer's slot as the server sees it. <paramref name="LagBytes"/>: WAL the server has written that is not yet
/// durable in the repository (current LSN minus the slot's restart LSN, which is the streamer's reported flush).
/// </summary>
public sealed record StreamSlotState(string Slot, bool Active, string? RestartLsn, string CurrentLsn, long LagBytes, string? WalStatus)
{
    public string Describe() =>
        $"slot {Slot} {(Active ? "active" : "INACTIVE (no streamer connected; pg_wal grows)")}, flushed {RestartLsn ?? "-"}, server at {CurrentLsn}, lag {LagBytes} bytes" +
        (WalStatus is null or "reserved" ? "" : $", wal_status {WalStatus}");
}
