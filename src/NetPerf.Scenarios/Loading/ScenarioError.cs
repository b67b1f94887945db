namespace NetPerf.Scenarios.Loading;

/// <summary>
/// One problem with a scenario file: where (file:line:column, 1-based), what is wrong and what is allowed. The
/// file name and the message are escaped here, once, so no error can carry a raw control character to a terminal.
/// </summary>
public sealed record ScenarioError(string File, int Line, int Column, string Message)
{
    public string File { get; init; } = Printable.Escape(File);
    public string Message { get; init; } = Printable.Escape(Message);

    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}
