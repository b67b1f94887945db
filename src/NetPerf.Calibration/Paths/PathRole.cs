namespace NetPerf.Calibration.Paths;

/// <summary>What a measured path is for.</summary>
public enum PathRole
{
    /// <summary>A single-hop difference path: the fit sees it.</summary>
    Fit,

    /// <summary>A composite path the fit never sees: its figures are predictions.</summary>
    HeldOut,
}
