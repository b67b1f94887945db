namespace NetPerf.Scenarios.Loading;

/// <summary>A scenario file that cannot be run, with every problem found in it (not only the first).</summary>
public sealed class ScenarioException(IReadOnlyList<ScenarioError> errors)
    : Exception($"the scenario has {errors.Count} error(s):{Environment.NewLine}{string.Join(Environment.NewLine, errors)}")
{
    public IReadOnlyList<ScenarioError> Errors { get; } = errors;
}
