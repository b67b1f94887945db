using NetPerf.Calibration.Fit;

namespace NetPerf.Calibration;

/// <summary>Calibration could not go on: a missing tool or privilege, a command that failed, a probe that stalled. The message says which.</summary>
public class CalibrationException(string message) : Exception(message);

/// <summary>
/// Everything was measured and the fit or a prediction then failed: the measurements are carried out so that they
/// are written and can be fitted again (<c>--refit</c>) once the model is mended, not lost with minutes of probing.
/// </summary>
public sealed class CalibrationFitException(string message, IReadOnlyList<PathMeasurement> measurements, MeasuredOn on) : CalibrationException(message)
{
    public IReadOnlyList<PathMeasurement> Measurements { get; } = measurements;

    public MeasuredOn MeasuredOn { get; } = on;
}
