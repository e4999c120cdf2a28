using PgArk.Core.Common;

namespace PgArk.Tests.Storage;

/// <summary>A fact that only runs as root (ownership tests need chown).</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Libc.IsRoot)
        {
            Skip = "needs to run as root";
        }
    }
}
