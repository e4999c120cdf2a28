namespace PgArk.Tests.Codecs;

/// <summary>A fact that is skipped (not failed) when a command-line tool is not on PATH.</summary>
public sealed class RequiresToolFactAttribute : FactAttribute
{
    public RequiresToolFactAttribute(string tool)
    {
        if (CommandLineTool.Find(tool) is null)
        {
            Skip = $"'{tool}' is not installed";
        }
    }
}
