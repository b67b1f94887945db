namespace NetPerf.Cli;

/// <summary>Exit codes that scripts can rely on.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The run finished but a check it reports failed (e.g. the sample missed its analytic value).</summary>
    public const int CheckFailed = 1;

    /// <summary>The command line was wrong; nothing ran.</summary>
    public const int UsageError = 2;
}
