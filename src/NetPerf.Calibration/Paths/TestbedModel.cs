using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Calibration.Paths;

/// <summary>
/// A <see cref="Testbed"/> in the simulator, built with the same devices, addresses and rules as
/// <see cref="TestbedLab"/>: the kernel CPU of one steady-state UDP request and response (a first exchange warms
/// conntrack, as the probe's warm-up does), by stage, including each side's receive system call.
/// </summary>
public static class TestbedModel
{
    /// <summary>Nanoseconds per transaction by stage under <paramref name="costs"/>, its rules run by <paramref name="backend"/> as the lab's were.</summary>
    public static IReadOnlyDictionary<KernelStage, double> CpuByStage(Testbed bed, CostTable costs, int bytes, Network.Netfilter.IptablesBackend backend)
    {
        var sim = new Network.Topology.Testbed();
        var host = new Host(sim, "lab", costs, 1) { IptablesBackend = backend };
        var (a, from, b, bind, to) = Build(host, bed);
        var server = new UdpSocket(b, Ipv4Address.Parse(bind), 9) { Receiver = new Discard() };
        var client = new UdpSocket(a, Ipv4Address.Parse(from), 5000) { Receiver = new Discard() };
        long[] before = new long[CostTable.Stages];
        for (int round = 0; round < 2; round++)
        {
            if (round == 1)
            {
                for (int s = 0; s < CostTable.Stages; s++)
                {
                    before[s] = host.CpuPicosecondsOf((KernelStage)s);
                }
            }

            client.Send(Ipv4Address.Parse(to), 9, bytes);
            sim.Sim.Run();
            server.Send(Ipv4Address.Parse(from), 5000, bytes);
            sim.Sim.Run();
        }

        if (server.Received != 2 || client.Received != 2)
        {
            throw new InvalidOperationException($"the {bed} testbed's model delivered {server.Received} requests and {client.Received} responses of 2");
        }

        var result = new Dictionary<KernelStage, double>();
        foreach (var stage in Enum.GetValues<KernelStage>())
        {
            double ns = (host.CpuPicosecondsOf(stage) - before[(int)stage]) / 1000.0;
            if (ns > 0)
            {
                result[stage] = ns;
            }
        }

        // The probe's recvfrom on each side: the model's socket delivers, the application's syscall copies it out.
        result[KernelStage.Syscall] = result.GetValueOrDefault(KernelStage.Syscall) + (2 * costs.Of(KernelStage.Syscall, HeaderSizes.Ipv4 + HeaderSizes.Udp + bytes) / 1000.0);
        return result;
    }

    internal static (NetworkNamespace A, string From, NetworkNamespace B, string Bind, string To) Build(Host host, Testbed bed)
    {
        var a = host.CreateNamespace("a");
        switch (bed)
        {
            case Testbed.Loopback:
                return (a, "127.0.0.1", a, "127.0.0.1", "127.0.0.1");
            case Testbed.Veth:
            {
                var b = host.CreateNamespace("b");
                var (va, vb) = VethDevice.CreatePair(a, "eth0", b, "eth0");
                a.AddAddress(va, "10.0.0.1/24");
                b.AddAddress(vb, "10.0.0.2/24");
                return (a, "10.0.0.1", b, "10.0.0.2", "10.0.0.2");
            }

            case Testbed.Bridge or Testbed.BridgeConntrack:
            {
                var r = host.CreateNamespace("r");
                var b = host.CreateNamespace("b");
                var br = new BridgeDevice(r, "br0") { CallIptables = bed == Testbed.BridgeConntrack };
                var (va, pa) = VethDevice.CreatePair(a, "eth0", r, "pa");
                var (vb, pb) = VethDevice.CreatePair(b, "eth0", r, "pb");
                br.Enslave(pa);
                br.Enslave(pb);
                a.AddAddress(va, "10.0.0.1/24");
                b.AddAddress(vb, "10.0.0.2/24");
                if (bed == Testbed.BridgeConntrack)
                {
                    // -A FORWARD -m conntrack --ctstate INVALID -j DROP (never matches)
                    r.EnableNetfilter().FilterForward.Append(NeverMatches());
                }

                return (a, "10.0.0.1", b, "10.0.0.2", "10.0.0.2");
            }

            case Testbed.Routed or Testbed.RoutedConntrack or Testbed.RoutedDnat:
            {
                var r = host.CreateNamespace("r");
                var b = host.CreateNamespace("b");
                r.IpForward = true;
                var (va, ra) = VethDevice.CreatePair(a, "eth0", r, "ra");
                var (vb, rb) = VethDevice.CreatePair(b, "eth0", r, "rb");
                a.AddAddress(va, "10.0.1.1/24");
                r.AddAddress(ra, "10.0.1.254/24");
                b.AddAddress(vb, "10.0.2.1/24");
                r.AddAddress(rb, "10.0.2.254/24");
                a.AddRoute("0.0.0.0/0", va, via: "10.0.1.254");
                b.AddRoute("0.0.0.0/0", vb, via: "10.0.2.254");
                if (bed is Testbed.RoutedConntrack or Testbed.RoutedDnat)
                {
                    r.EnableNetfilter().FilterForward.Append(NeverMatches());
                }

                if (bed == Testbed.RoutedDnat)
                {
                    r.EnableNetfilter().NatPreRouting.Append(new Rule
                    {
                        Destination = Ipv4Prefix.Parse("10.96.0.10/32"), Protocol = IpProtocol.Udp, Target = RuleTarget.Dnat, NatAddress = Ipv4Address.Parse("10.0.2.1"),
                    });
                    return (a, "10.0.1.1", b, "10.0.2.1", "10.96.0.10");
                }

                return (a, "10.0.1.1", b, "10.0.2.1", "10.0.2.1");
            }

            case Testbed.Vxlan or Testbed.VxlanConntrack:
            {
                var r1 = host.CreateNamespace("r1");
                var r2 = host.CreateNamespace("r2");
                var b = host.CreateNamespace("b");
                r1.IpForward = r2.IpForward = true;
                var (va, ra) = VethDevice.CreatePair(a, "eth0", r1, "ra");
                var (vb, rb) = VethDevice.CreatePair(b, "eth0", r2, "rb");
                var (u1, u2) = VethDevice.CreatePair(r1, "u1", r2, "u2");
                a.AddAddress(va, "10.0.1.1/24");
                r1.AddAddress(ra, "10.0.1.254/24");
                b.AddAddress(vb, "10.0.2.1/24");
                r2.AddAddress(rb, "10.0.2.254/24");
                r1.AddAddress(u1, "192.168.9.1/30");
                r2.AddAddress(u2, "192.168.9.2/30");
                var vx1 = new VxlanDevice(r1, "vx0", 1, Ipv4Address.Parse("192.168.9.1"));
                var vx2 = new VxlanDevice(r2, "vx0", 1, Ipv4Address.Parse("192.168.9.2"));
                r1.AddAddress(vx1, "10.9.0.1/24");
                r2.AddAddress(vx2, "10.9.0.2/24");
                r1.AddNeighbour(Ipv4Address.Parse("10.9.0.2"), vx2.Mac);
                r2.AddNeighbour(Ipv4Address.Parse("10.9.0.1"), vx1.Mac);
                vx1.AddForwardingEntry(vx2.Mac, Ipv4Address.Parse("192.168.9.2"));
                vx2.AddForwardingEntry(vx1.Mac, Ipv4Address.Parse("192.168.9.1"));
                r1.AddRoute("10.0.2.0/24", vx1, via: "10.9.0.2");
                r2.AddRoute("10.0.1.0/24", vx2, via: "10.9.0.1");
                a.AddRoute("0.0.0.0/0", va, via: "10.0.1.254");
                b.AddRoute("0.0.0.0/0", vb, via: "10.0.2.254");
                if (bed == Testbed.VxlanConntrack)
                {
                    r1.EnableNetfilter().FilterForward.Append(NeverMatches());
                    r2.EnableNetfilter().FilterForward.Append(NeverMatches());
                }

                return (a, "10.0.1.1", b, "10.0.2.1", "10.0.2.1");
            }

            case Testbed.RoutedChain or Testbed.RoutedChainConntrack:
            {
                // As TestbedLab: a - r1 - ... - rN - b, link i from its left namespace (10.1.i.1) to its right (10.1.i.254).
                int n = Testbeds.ChainLength;
                var (ns, left, right) = Chain(host, a, "r", endsNamed: false);
                var b = ns[n + 1];
                for (int link = 0; link <= n; link++)
                {
                    ns[link].AddAddress(left[link], $"{Testbeds.ChainLink(link, right: false)}/24");
                    ns[link + 1].AddAddress(right[link], $"{Testbeds.ChainLink(link, right: true)}/24");
                }

                a.AddRoute("0.0.0.0/0", left[0], via: Testbeds.ChainLink(0, right: true));
                b.AddRoute("0.0.0.0/0", right[n], via: Testbeds.ChainLink(n, right: false));
                for (int i = 1; i <= n; i++)
                {
                    ns[i].IpForward = true;
                    if (i < n)
                    {
                        ns[i].AddRoute($"10.1.{n}.0/24", left[i], via: Testbeds.ChainLink(i, right: true));
                    }

                    if (i > 1)
                    {
                        ns[i].AddRoute("10.1.0.0/24", right[i - 1], via: Testbeds.ChainLink(i - 1, right: false));
                    }

                    if (bed == Testbed.RoutedChainConntrack)
                    {
                        ns[i].EnableNetfilter().FilterForward.Append(NeverMatches());
                    }
                }

                string target = Testbeds.ChainLink(n, right: true);
                return (a, Testbeds.ChainLink(0, right: false), b, target, target);
            }

            case Testbed.BridgeChain or Testbed.BridgeChainConntrack:
            {
                int n = Testbeds.ChainLength;
                var (ns, left, right) = Chain(host, a, "s", endsNamed: true);
                var b = ns[n + 1];

                bool nf = bed == Testbed.BridgeChainConntrack;
                for (int i = 1; i <= n; i++)
                {
                    var br = new BridgeDevice(ns[i], "br0") { CallIptables = nf };
                    br.Enslave(right[i - 1]);
                    br.Enslave(left[i]);
                    if (nf)
                    {
                        ns[i].EnableNetfilter().FilterForward.Append(NeverMatches());
                    }
                }

                a.AddAddress(left[0], "10.0.0.1/24");
                b.AddAddress(right[n], "10.0.0.2/24");
                return (a, "10.0.0.1", b, "10.0.0.2", "10.0.0.2");
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(bed), bed, null);
        }
    }

    /// <summary>
    /// a, <see cref="Testbeds.ChainLength"/> namespaces named <paramref name="prefix"/>1.., and b, with veth i joining the
    /// namespace on its left (device l<c>i</c>) to the one on its right (r<c>i</c>); the ends' devices are eth0 if
    /// <paramref name="endsNamed"/>, as TestbedLab names them.
    /// </summary>
    private static (List<NetworkNamespace> Ns, VethDevice[] Left, VethDevice[] Right) Chain(Host host, NetworkNamespace a, string prefix, bool endsNamed)
    {
        int n = Testbeds.ChainLength;
        var ns = new List<NetworkNamespace> { a };
        for (int i = 1; i <= n; i++)
        {
            ns.Add(host.CreateNamespace($"{prefix}{i}"));
        }

        ns.Add(host.CreateNamespace("b"));
        var left = new VethDevice[n + 1];
        var right = new VethDevice[n + 1];
        for (int link = 0; link <= n; link++)
        {
            (left[link], right[link]) = VethDevice.CreatePair(ns[link], endsNamed && link == 0 ? "eth0" : $"l{link}", ns[link + 1], endsNamed && link == n ? "eth0" : $"r{link}");
        }

        return (ns, left, right);
    }

    /// <summary>-A FORWARD -m conntrack --ctstate INVALID -j DROP: loads conntrack, never matches an established packet.</summary>
    private static Rule NeverMatches() => new() { Destination = Ipv4Prefix.Parse("255.255.255.255/32"), Target = RuleTarget.Drop };

    private sealed class Discard : IDatagramReceiver
    {
        public void OnDatagram(UdpSocket socket, in Packet datagram, Engine.Time.SimTime now)
        {
        }
    }
}
