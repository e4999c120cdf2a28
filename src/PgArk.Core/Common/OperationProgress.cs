namespace PgArk.Core.Common;

/// <summary>Progress of a long operation: which phase it is in and how many bytes of that phase are done.</summary>
public sealed record OperationProgress(string Phase, long BytesDone, long BytesTotal, int FilesDone = 0, int FilesTotal = 0);
