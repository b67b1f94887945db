using NetPerf.Calibration.Linux;
using NetPerf.Network.Netfilter;

namespace NetPerf.Calibration.Paths;

/// <summary>A <see cref="Testbed"/> built for real from namespaces (the commands of tools/kernel-costs/measure.sh).</summary>
public sealed record TestbedLab(string Sender, string Receiver, string BindIp, string TargetIp)
{
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
                    lab.IptablesRestore(r, backend, "*filter\n-A FORWARD -m conntrack --ctstate INVALID -j DROP\nCOMMIT\n");
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
                    lab.IptablesRestore(r, backend, "*filter\n-A FORWARD -m conntrack --ctstate INVALID -j DROP\nCOMMIT\n");
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
                    lab.IptablesRestore(r, backend, "*filter\n-A FORWARD -m conntrack --ctstate INVALID -j DROP\nCOMMIT\n");
                    lab.IptablesRestore(r2, backend, "*filter\n-A FORWARD -m conntrack --ctstate INVALID -j DROP\nCOMMIT\n");
                }

                return new(a, b, "10.0.2.1", "10.0.2.1");
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(bed), bed, null);
        }
    }
}
