using PgArk.Core.Common;

namespace PgArk.Core.Operations.Jobs;

/// <summary>The latest progress a job reported, with the percentage of the current phase when its size is known.</summary>
public sealed record JobProgress(string Phase, long BytesDone, long BytesTotal, double? Percent, int FilesDone, int FilesTotal)
{
    public static JobProgress From(OperationProgress progress) => new(progress.Phase, progress.BytesDone, progress.BytesTotal,
        progress.BytesTotal > 0 ? Math.Round(100.0 * Math.Min(progress.BytesDone, progress.BytesTotal) / progress.BytesTotal, 1) : null,
        progress.FilesDone, progress.FilesTotal);
}
