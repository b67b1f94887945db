using System.Globalization;

namespace NetPerf.Network.Addressing;

/// <summary>A 48-bit Ethernet address.</summary>
public readonly record struct MacAddress(ulong Value)
{
    public static readonly MacAddress None = new(0);
    public static readonly MacAddress Broadcast = new(0xFFFF_FFFF_FFFF);

    /// <summary>A locally administered unicast address (02:...) numbered <paramref name="n"/>: stable across runs.</summary>
    public static MacAddress Local(uint n) => new(0x0200_0000_0000UL | n);

    public override string ToString()
    {
        ulong v = Value;
        return string.Join(':', Enumerable.Range(0, 6).Select(i => ((v >> (8 * (5 - i))) & 0xFF).ToString("x2", CultureInfo.InvariantCulture)));
    }
}
