namespace PgArk.Tests.TestDoubles;

/// <summary>Where <see cref="FailingStorage"/> makes its chosen write fail.</summary>
public enum WriteFailurePoint
{
    /// <summary>OpenWriteAsync throws.</summary>
    Open,

    /// <summary>The first Write/WriteAsync on the stream throws.</summary>
    Data,

    /// <summary>CompleteAsync throws; nothing becomes visible.</summary>
    Complete,
}
