namespace NetPerf.Network.Cpu;

/// <summary>A cost table file is wrong: every problem found, each with file:line, what is wrong and what is allowed.</summary>
public sealed class CostTableFormatException(IReadOnlyList<string> problems)
    : Exception(string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
