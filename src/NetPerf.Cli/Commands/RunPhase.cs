namespace NetPerf.Cli.Commands;

/// <summary>Where a run is when Ctrl-C comes: what the first Ctrl-C does, and so what it says, depends on it.</summary>
internal enum RunPhase
{
    /// <summary>Simulations under way: Ctrl-C stops the rest; what finished is written, marked partial.</summary>
    Simulating,

    /// <summary>Every simulation finished, the folder being written: Ctrl-C changes nothing; the results are whole.</summary>
    Writing,
}
