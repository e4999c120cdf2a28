namespace PgArk.Core.Common;

/// <summary>
/// IProgress that reports on the calling thread. Progress&lt;T&gt; posts every report to the thread pool (or a
/// synchronization context), which reorders reports and costs a work item per chunk on the copy path.
/// </summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
