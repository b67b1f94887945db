namespace NetPerf.Calibration;

/// <summary>Calibration could not go on: a missing tool or privilege, a command that failed, a probe that stalled. The message says which.</summary>
public sealed class CalibrationException(string message) : Exception(message);
