using System.Globalization;

namespace NetPerf.Network.Addressing;

/// <summary>A CIDR prefix such as 10.244.1.0/24. The network address is stored with its host bits cleared.</summary>
public readonly record struct Ipv4Prefix
{
    public Ipv4Prefix(Ipv4Address address, int length)
    {
        if (length is < 0 or > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "an IPv4 prefix length is 0 to 32.");
        }

        Length = length;
        Network = new Ipv4Address(address.Value & MaskOf(length));
    }

    public Ipv4Address Network { get; }
    public int Length { get; }
    public uint Mask => MaskOf(Length);

    /// <summary>Addresses in the prefix: 2^(32 - length).</summary>
    public ulong Size => 1UL << (32 - Length);

    public bool Contains(Ipv4Address a) => (a.Value & Mask) == Network.Value;

    /// <summary>True if the two prefixes share any address (one contains the other).</summary>
    public bool Overlaps(Ipv4Prefix other) => Contains(other.Network) || other.Contains(Network);

    /// <summary>The n-th address of the prefix (0 is the network address).</summary>
    public Ipv4Address this[ulong n] => n < Size
        ? new Ipv4Address(Network.Value + (uint)n)
        : throw new ArgumentOutOfRangeException(nameof(n), n, $"{this} holds {Size} addresses.");

    public static uint MaskOf(int length) => length == 0 ? 0 : uint.MaxValue << (32 - length);

    public static Ipv4Prefix Parse(string text) =>
        TryParse(text, out var prefix)
            ? prefix
            : throw new FormatException($"'{text}' is not an IPv4 prefix (an address, a slash and a length 0-32, e.g. 10.244.0.0/16).");

    public static bool TryParse(string text, out Ipv4Prefix prefix)
    {
        prefix = default;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0
            || !Ipv4Address.TryParse(text[..slash], out var address)
            || !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int length)
            || length > 32)
        {
            return false;
        }

        prefix = new Ipv4Prefix(address, length);
        return true;
    }

    public override string ToString() => $"{Network}/{Length.ToString(CultureInfo.InvariantCulture)}";
}
