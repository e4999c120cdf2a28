namespace PgArk.Core.Operations;

/// <summary>Who asked for an operation; the front end that builds the <see cref="OperationContext"/> says which.</summary>
public enum OperationCaller
{
    /// <summary>The command line (and the scheduler): the operator at the shell may restore anywhere they can write.</summary>
    Local,

    /// <summary>REST, MCP (HTTP or stdio) and the assistant over them: arguments come from the network or a model, so they are confined.</summary>
    Remote,
}
