// PgArk runs on Linux only (see PgArk.Core).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
