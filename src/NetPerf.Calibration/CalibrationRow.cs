using NetPerf.Calibration.Paths;

namespace NetPerf.Calibration;

/// <summary>One figure of one path: measured, predicted by the fitted model, and the relative error; the spread is the measured round-to-round spread.</summary>
public sealed record CalibrationRow(string Path, PathRole Role, string Metric, double Measured, double Predicted, double RoundSpread)
{
    public double Error => Predicted / Measured - 1;
}
