namespace NetPerf.Scenarios.Loading;

/// <summary>One problem with a scenario file: where (file:line:column, 1-based), what is wrong and what is allowed.</summary>
public sealed record ScenarioError(string File, int Line, int Column, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}
