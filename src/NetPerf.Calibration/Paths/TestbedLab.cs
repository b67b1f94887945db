using NetPerf.Calibration.Linux;
using NetPerf.Network.Netfilter;

namespace NetPerf.Calibration.Paths;

/// <summary>A <see cref="Testbed"/> built for real from namespaces (the commands of tools/kernel-costs/measure.sh).</summary>
public sealed record TestbedLab(string Sender, string Receiver, string BindIp, string TargetIp)
{
    /// <summary>Loads conntrack and never matches (an established packet is never INVALID): the testbeds' "+conntrack".</summary>
    private const string ConntrackRule = "*filter\n-A FORWARD -m conntrack --ctstate INVALID -j DROP\nCOMMIT\n";

    public static TestbedLab Build(NamespaceLab lab, Testbed bed, IptablesBackend backend, string tag)
    {
        string a = lab.Namespace($"{tag}-a");
        switch (bed)
        {
            case Testbed.Loopback:
                return new(a, a, "127.0.0.1", "127.0.0.1");
            case Testbed.Veth:
            {
                string b = lab.Namespace($"{tag}-b");
                lab.Veth(a, "eth0", b, "eth0");
                lab.Ip(a, "addr", "add", "10.0.0.1/24", "dev", "eth0");
                lab.Ip(b, "addr", "add", "10.0.0.2/24", "dev", "eth0");
                return new(a, b, "10.0.0.2", "10.0.0.2");
            }

            case Testbed.Bridge or Testbed.BridgeConntrack:
            {
                string r = lab.Namespace($"{tag}-r"), b = lab.Namespace($"{tag}-b");
                lab.Veth(a, "eth0", r, "pa");
                lab.Veth(b, "eth0", r, "pb");
                lab.Ip(r, "link", "add", "br0", "type", "bridge");
                lab.Ip(r, "link", "set", "br0", "up");
                lab.Ip(r, "link", "set", "pa", "master", "br0");
                lab.Ip(r, "link", "set", "pb", "master", "br0");
                lab.Ip(a, "addr", "add", "10.0.0.1/24", "dev", "eth0");
                lab.Ip(b, "addr", "add", "10.0.0.2/24", "dev", "eth0");
                bool nf = bed == Testbed.BridgeConntrack;
                lab.Sysctl(r, "net.bridge.bridge-nf-call-iptables", nf ? "1" : "0");
                if (nf)
                {
                    lab.IptablesRestore(r, backend, ConntrackRule);
                }

                return new(a, b, "10.0.0.2", "10.0.0.2");
            }

            case Testbed.Routed or Testbed.RoutedConntrack or Testbed.RoutedDnat:
            {
                string r = lab.Namespace($"{tag}-r"), b = lab.Namespace($"{tag}-b");
                lab.Veth(a, "eth0", r, "ra");
                lab.Veth(b, "eth0", r, "rb");
                lab.Ip(a, "addr", "add", "10.0.1.1/24", "dev", "eth0");
                lab.Ip(r, "addr", "add", "10.0.1.254/24", "dev", "ra");
                lab.Ip(b, "addr", "add", "10.0.2.1/24", "dev", "eth0");
                lab.Ip(r, "addr", "add", "10.0.2.254/24", "dev", "rb");
                lab.Ip(a, "route", "add", "default", "via", "10.0.1.254");
                lab.Ip(b, "route", "add", "default", "via", "10.0.2.254");
                lab.Sysctl(r, "net.ipv4.ip_forward", "1");
                if (bed is Testbed.RoutedConntrack or Testbed.RoutedDnat)
                {
                    // The DNAT path keeps the same FORWARD rule, so that it differs from routed+conntrack by NAT alone.
                    lab.IptablesRestore(r, backend, ConntrackRule);
                }

                if (bed == Testbed.RoutedDnat)
                {
                    lab.IptablesRestore(r, backend, "*nat\n-A PREROUTING -d 10.96.0.10/32 -p udp -j DNAT --to-destination 10.0.2.1\nCOMMIT\n");
                    return new(a, b, "10.0.2.1", "10.96.0.10");
                }

                return new(a, b, "10.0.2.1", "10.0.2.1");
            }

            case Testbed.Vxlan or Testbed.VxlanConntrack:
            {
                string r = lab.Namespace($"{tag}-r"), r2 = lab.Namespace($"{tag}-r2"), b = lab.Namespace($"{tag}-b");
                lab.Veth(a, "eth0", r, "ra");
                lab.Veth(b, "eth0", r2, "rb");
                lab.Veth(r, "u1", r2, "u2");
                lab.Ip(a, "addr", "add", "10.0.1.1/24", "dev", "eth0");
                lab.Ip(r, "addr", "add", "10.0.1.254/24", "dev", "ra");
                lab.Ip(b, "addr", "add", "10.0.2.1/24", "dev", "eth0");
                lab.Ip(r2, "addr", "add", "10.0.2.254/24", "dev", "rb");
                lab.Ip(a, "route", "add", "default", "via", "10.0.1.254");
                lab.Ip(b, "route", "add", "default", "via", "10.0.2.254");
                lab.Ip(r, "addr", "add", "192.168.9.1/30", "dev", "u1");
                lab.Ip(r2, "addr", "add", "192.168.9.2/30", "dev", "u2");
                foreach (var (ns, local) in new[] { (r, "192.168.9.1"), (r2, "192.168.9.2") })
                {
                    lab.Ip(ns, "link", "add", "vx0", "type", "vxlan", "id", "1", "dstport", "8472", "local", local, "dev", ns == r ? "u1" : "u2", "nolearning");
                    lab.Ip(ns, "link", "set", "vx0", "mtu", "1450", "up");
                    lab.Sysctl(ns, "net.ipv4.ip_forward", "1");
                }

                lab.Ip(r, "addr", "add", "10.9.0.1/24", "dev", "vx0");
                lab.Ip(r2, "addr", "add", "10.9.0.2/24", "dev", "vx0");
                string mac1 = lab.Mac(r, "vx0"), mac2 = lab.Mac(r2, "vx0");
                lab.Ip(r, "neigh", "add", "10.9.0.2", "lladdr", mac2, "dev", "vx0", "nud", "permanent");
                lab.Ip(r2, "neigh", "add", "10.9.0.1", "lladdr", mac1, "dev", "vx0", "nud", "permanent");
                Command.Run("ip", ["netns", "exec", r, "bridge", "fdb", "append", mac2, "dev", "vx0", "dst", "192.168.9.2"]);
                Command.Run("ip", ["netns", "exec", r2, "bridge", "fdb", "append", mac1, "dev", "vx0", "dst", "192.168.9.1"]);
                lab.Ip(r, "route", "add", "10.0.2.0/24", "via", "10.9.0.2", "dev", "vx0");
                lab.Ip(r2, "route", "add", "10.0.1.0/24", "via", "10.9.0.1", "dev", "vx0");
                if (bed == Testbed.VxlanConntrack)
                {
                    lab.IptablesRestore(r, backend, ConntrackRule);
                    lab.IptablesRestore(r2, backend, ConntrackRule);
                }

                return new(a, b, "10.0.2.1", "10.0.2.1");
            }

            case Testbed.RoutedChain or Testbed.RoutedChainConntrack:
            {
                // a - r1 - ... - rN - b; link i joins the namespace on its left (10.1.i.1) and on its right (10.1.i.254).
                int n = Testbeds.ChainLength;
                var ns = Chain(lab, a, tag, "r", endsNamed: false);
                string b = ns[n + 1];
                for (int link = 0; link <= n; link++)
                {
                    lab.Ip(ns[link], "addr", "add", $"{Testbeds.ChainLink(link, right: false)}/24", "dev", $"l{link}");
                    lab.Ip(ns[link + 1], "addr", "add", $"{Testbeds.ChainLink(link, right: true)}/24", "dev", $"r{link}");
                }

                lab.Ip(a, "route", "add", "default", "via", Testbeds.ChainLink(0, right: true));
                lab.Ip(b, "route", "add", "default", "via", Testbeds.ChainLink(n, right: false));
                for (int i = 1; i <= n; i++)
                {
                    lab.Sysctl(ns[i], "net.ipv4.ip_forward", "1");
                    if (i < n)
                    {
                        lab.Ip(ns[i], "route", "add", $"10.1.{n}.0/24", "via", Testbeds.ChainLink(i, right: true));
                    }

                    if (i > 1)
                    {
                        lab.Ip(ns[i], "route", "add", "10.1.0.0/24", "via", Testbeds.ChainLink(i - 1, right: false));
                    }

                    if (bed == Testbed.RoutedChainConntrack)
                    {
                        lab.IptablesRestore(ns[i], backend, ConntrackRule);
                    }
                }

                string target = Testbeds.ChainLink(n, right: true);
                return new(a, b, target, target);
            }

            case Testbed.BridgeChain or Testbed.BridgeChainConntrack:
            {
                // a - br in s1 - ... - br in sN - b, one L2 segment; veth i joins the namespace on its left and on its right.
                int n = Testbeds.ChainLength;
                var ns = Chain(lab, a, tag, "s", endsNamed: true);
                string b = ns[n + 1];

                bool nf = bed == Testbed.BridgeChainConntrack;
                for (int i = 1; i <= n; i++)
                {
                    lab.Ip(ns[i], "link", "add", "br0", "type", "bridge");
                    lab.Ip(ns[i], "link", "set", "br0", "up");
                    lab.Ip(ns[i], "link", "set", $"r{i - 1}", "master", "br0");
                    lab.Ip(ns[i], "link", "set", $"l{i}", "master", "br0");
                    lab.Sysctl(ns[i], "net.bridge.bridge-nf-call-iptables", nf ? "1" : "0");
                    if (nf)
                    {
                        lab.IptablesRestore(ns[i], backend, ConntrackRule);
                    }
                }

                lab.Ip(a, "addr", "add", "10.0.0.1/24", "dev", "eth0");
                lab.Ip(b, "addr", "add", "10.0.0.2/24", "dev", "eth0");
                return new(a, b, "10.0.0.2", "10.0.0.2");
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(bed), bed, null);
        }
    }

    /// <summary>a, <see cref="Testbeds.ChainLength"/> namespaces <paramref name="tag"/>-<paramref name="hop"/>1.., and <paramref name="tag"/>-b, veth i joining l<c>i</c> on the left to r<c>i</c> on the right (the ends' eth0 if <paramref name="endsNamed"/>).</summary>
    private static List<string> Chain(NamespaceLab lab, string a, string tag, string hop, bool endsNamed)
    {
        int n = Testbeds.ChainLength;
        var ns = new List<string> { a };
        for (int i = 1; i <= n; i++)
        {
            ns.Add(lab.Namespace($"{tag}-{hop}{i}"));
        }

        ns.Add(lab.Namespace($"{tag}-b"));
        for (int link = 0; link <= n; link++)
        {
            lab.Veth(ns[link], endsNamed && link == 0 ? "eth0" : $"l{link}", ns[link + 1], endsNamed && link == n ? "eth0" : $"r{link}");
        }

        return ns;
    }
}
