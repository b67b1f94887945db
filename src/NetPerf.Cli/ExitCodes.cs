namespace NetPerf.Cli;

/// <summary>Exit codes that scripts can rely on.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The run finished but a check it reports failed (e.g. the sample missed its analytic value).</summary>
    public const int CheckFailed = 1;

    /// <summary>The command line was wrong; nothing ran.</summary>
    public const int UsageError = 2;

    /// <summary>The scenario file has errors (all printed, each with file:line:column); nothing ran, nothing was written.</summary>
    public const int InvalidScenario = 3;

    /// <summary>A simulation failed; nothing was written.</summary>
    public const int RunFailed = 4;

    /// <summary>Stopped by Ctrl-C: what was measured was written, marked partial.</summary>
    public const int Interrupted = 5;
}
