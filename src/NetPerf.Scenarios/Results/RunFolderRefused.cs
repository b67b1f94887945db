namespace NetPerf.Scenarios.Results;

/// <summary>The run folder cannot be claimed: a usage error, nothing ran.</summary>

public sealed class RunFolderRefused(string message, bool rootUnusable, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>True when the results root cannot hold results (the command line names its option); false when the named run exists.</summary>
    public bool RootUnusable { get; } = rootUnusable;
}
