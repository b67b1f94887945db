namespace NetPerf.Calibration.Linux;

/// <summary>Which iptables a node's kube-proxy writes its rules with: the legacy x_tables backend, or iptables-nft (nf_tables underneath; current distributions' default).</summary>
public enum IptablesBackend
{
    Nft,
    Legacy,
}
