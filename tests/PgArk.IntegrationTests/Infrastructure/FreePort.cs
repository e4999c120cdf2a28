using System.Net;
using System.Net.Sockets;

namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>
/// Picks a port nobody uses: the OS hands out a free TCP port, and no PostgreSQL socket file for it may exist in the
/// usual socket directories. Ports already handed out in this test run are never reused.
/// </summary>
internal static class FreePort
{
    private static readonly string[] s_commonSocketDirectories = ["/var/run/postgresql", "/run/postgresql", "/tmp"];
    private static readonly HashSet<int> s_handedOut = [];
    private static readonly Lock s_lock = new();

    public static int Next(string socketDirectory)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            int port;
            using (var listener = new TcpListener(IPAddress.Loopback, 0))
            {
                listener.Start();
                port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
            }

            var socketInUse = s_commonSocketDirectories.Append(socketDirectory).Any(directory =>
                File.Exists(Path.Combine(directory, $".s.PGSQL.{port}")) ||
                File.Exists(Path.Combine(directory, $".s.PGSQL.{port}.lock")));
            if (socketInUse)
            {
                continue;
            }

            lock (s_lock)
            {
                if (s_handedOut.Add(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException("unable to find a free port for a test cluster");
    }
}
