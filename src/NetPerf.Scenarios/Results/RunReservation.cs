namespace NetPerf.Scenarios.Results;

/// <summary>
/// A run folder claimed before simulating: its scenario folder and hidden temporary folder made (so a root that
/// cannot hold results is refused before anything runs), and the name it will take at the end.
/// </summary>
/// <param name="ScenarioDir">results/&lt;scenario&gt;/.</param>
/// <param name="RunId">The run folder's name.</param>
/// <param name="Named">Whether --run-id gave the name: a named run never takes another (name-2); a dated one does when two runs share a second.</param>
/// <param name="Temp">The hidden folder everything is written into, renamed into place at the end.</param>
public sealed record RunReservation(string ScenarioDir, string RunId, bool Named, string Temp);
