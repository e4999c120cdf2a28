// PgArk manages PostgreSQL data directories with POSIX semantics (modes, ownership, fsync of folders, rename).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
