using System.Runtime.Versioning;

// The integration tests drive PostgreSQL through /proc, runuser and Unix sockets: they run on Linux only.
[assembly: SupportedOSPlatform("linux")]
