namespace PgArk.Core.Configuration;

/// <summary>What a dump contains: <c>full</c> (schema and data), <c>schema</c> (definitions only), <c>data</c> (rows only). A value type of the
/// configuration (a schedule entry's <c>mode</c>) as much as of the dump manifest, so it lives here, below both.</summary>
public enum DumpMode
{
    Full,
    Schema,
    Data,
}
