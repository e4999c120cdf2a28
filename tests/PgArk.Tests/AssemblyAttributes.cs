// The tests exercise POSIX-only code (modes, ownership, flock).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
