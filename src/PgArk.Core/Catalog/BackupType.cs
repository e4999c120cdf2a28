namespace PgArk.Core.Catalog;

public enum BackupType
{
    /// <summary>Every file of the cluster.</summary>
    Full,
    /// <summary>What changed since the newest full backup.</summary>
    Diff,
    /// <summary>What changed since the newest backup of any type.</summary>
    Incr,
}
