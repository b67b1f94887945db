namespace NetPerf.Network.Topology;

/// <summary>connect() found no free ephemeral port (EADDRNOTAVAIL): every one is bound or in TIME-WAIT.</summary>
public sealed class PortsExhaustedException(string message) : InvalidOperationException(message);
