namespace NetPerf.Scenarios.Model;

/// <summary>
/// cluster.podMtu: the CNI plugin's MTU setting, in bytes, or <c>auto</c> (null): the plugin's own, the node's
/// MTU less its encapsulation's overhead (1450 for VXLAN, 1480 for IP-in-IP on 1500-byte nodes).
/// </summary>
public readonly record struct PodMtuSetting(int? Bytes)
{
    public const string AutoWord = "auto";

    public static PodMtuSetting Auto => new(null);

    /// <summary>What a scenario writes: the bytes, or "auto".</summary>
    public string Name => Bytes is { } b ? b.ToString(System.Globalization.CultureInfo.InvariantCulture) : AutoWord;
}
