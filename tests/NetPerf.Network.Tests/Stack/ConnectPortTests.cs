using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Tests.Stack;

/// <summary>
/// The source port of connect() without bind(), as net/ipv4/inet_hashtables.c's __inet_hash_connect picks it in
/// net.ipv4.ip_local_port_range's default 32768-60999: from an offset hashed from (saddr, daddr, dport) with the
/// boot's secret (secure_ipv4_port_ephemeral) plus the table_perturb slot that hash picks, the range's even ports
/// first (<c>offset &amp;= ~1U</c>, in steps of 2), then the odd ones (<c>goto other_parity_scan</c>); each port found
/// moves the slot on by <c>max(i, get_random_u32_below(8) * 2) + 2</c>.
/// </summary>
public class ConnectPortTests
{
    private static readonly Ipv4Address Server = Ipv4Address.Parse("203.0.113.10");

    private sealed class Held : ILocalEndpoint
    {
        public void Deliver(ref PacketWalk walk) => walk.Consume();
    }

    private static Host Node(ulong seed) => new(new Testbed(new Simulator(), new PacketPool(), seed), "node1", CostTable.Free(), cores: 2);

    /// <summary>Ports for <paramref name="count"/> connections from <paramref name="ns"/>'s <paramref name="source"/>, each held open.</summary>
    private static List<ushort> Connect(NetworkNamespace ns, string source, int count, ushort port = 80)
    {
        var ports = new List<ushort>();
        for (int i = 0; i < count; i++)
        {
            ushort p = ns.AllocateConnectPort(Ipv4Address.Parse(source), Server, port);
            ns.Bind(IpProtocol.Tcp, p, new Held());
            ports.Add(p);
        }

        return ports;
    }

    [Fact]
    public void Two_pods_connecting_to_one_server_start_at_unrelated_ports_not_both_at_32768()
    {
        var node = Node(seed: 1);
        var a = Connect(node.CreateNamespace("pod-a"), "10.244.1.2", 1)[0];
        var b = Connect(node.CreateNamespace("pod-b"), "10.244.1.3", 1)[0];
        Assert.NotEqual(a, b);
        Assert.All(new[] { a, b }, p => Assert.InRange(p, NetworkNamespace.EphemeralFirst, NetworkNamespace.EphemeralLast));
    }

    [Fact]
    public void Successive_connections_to_one_server_walk_on_by_2_to_16_through_the_even_ports()
    {
        var ports = Connect(Node(seed: 1).CreateNamespace("pod"), "10.244.1.2", 200);
        Assert.All(ports, p => Assert.Equal(0, p % 2)); // 32768 is even: the low parity first
        var steps = ports.Zip(ports.Skip(1), (x, y) => (y - x + 28_232) % 28_232).ToList();
        // Each port was free where the search started (i = 0), so the slot moved by get_random_u32_below(8) * 2 + 2.
        Assert.All(steps, s => Assert.Contains(s, new[] { 2, 4, 6, 8, 10, 12, 14, 16 }));
        Assert.True(steps.Distinct().Count() >= 6, "the random increment takes most of its eight values");
    }

    [Fact]
    public void Once_every_even_port_is_held_connect_takes_an_odd_one_and_with_none_left_fails_with_EADDRNOTAVAIL()
    {
        var ns = Node(seed: 1).CreateNamespace("pod");
        for (int p = NetworkNamespace.EphemeralFirst; p <= NetworkNamespace.EphemeralLast; p += 2)
        {
            ns.Bind(IpProtocol.Tcp, (ushort)p, new Held());
        }

        ushort odd = Connect(ns, "10.244.1.2", 1)[0];
        Assert.Equal(1, odd % 2);
        for (int p = NetworkNamespace.EphemeralFirst + 1; p <= NetworkNamespace.EphemeralLast; p += 2)
        {
            if (p != odd)
            {
                ns.Bind(IpProtocol.Tcp, (ushort)p, new Held());
            }
        }

        Assert.Throws<PortsExhaustedException>(() => ns.AllocateConnectPort(Ipv4Address.Parse("10.244.1.2"), Server, 80));
    }

    [Fact]
    public void The_offset_is_the_boots_secret_so_one_seed_gives_the_same_ports_and_another_seed_others()
    {
        List<ushort> Ports(ulong seed) => Connect(Node(seed).CreateNamespace("pod"), "10.244.1.2", 20);
        Assert.Equal(Ports(1), Ports(1));
        Assert.NotEqual(Ports(1), Ports(2));
    }

    [Fact]
    public void Another_destination_port_hashes_to_another_start()
    {
        var node = Node(seed: 1);
        var web = Connect(node.CreateNamespace("pod-a"), "10.244.1.2", 1, port: 80)[0];
        var db = Connect(node.CreateNamespace("pod-b"), "10.244.1.2", 1, port: 5432)[0]; // same source address, another namespace: only dport differs
        Assert.NotEqual(web, db);
    }

    private static int Step(ushort from, ushort to) => (to - from + 28_232) % 28_232;

    [Fact]
    public void Before_table_perturb_one_global_hint_moves_on_by_2_for_every_namespaces_connection_and_never_at_random()
    {
        // 4.14 and 5.4 as released: static u32 hint; offset = hint + port_offset; hint += i + 2 at the port found.
        var node = Node(seed: 1);
        node.ConnectPortSearch = ConnectPortSearch.GlobalHint;
        var podA = node.CreateNamespace("pod-a");
        var podB = node.CreateNamespace("pod-b");
        var alone = Connect(podA, "10.244.1.2", 50);
        Assert.All(alone.Zip(alone.Skip(1), Step), s => Assert.Equal(2, s)); // each port free where the search started: i = 0

        // Alternating with another pod's connections (to another server port, so their ports never meet), each of
        // pod A's moves on by 4: pod B's connect() moved the same hint by 2 in between.
        var interleaved = new List<ushort>();
        for (int i = 0; i < 20; i++)
        {
            interleaved.AddRange(Connect(podA, "10.244.1.2", 1));
            Connect(podB, "10.244.1.3", 1, port: 443);
        }

        Assert.All(interleaved.Zip(interleaved.Skip(1), Step), s => Assert.Equal(4, s));
    }

    [Fact]
    public void With_table_perturb_a_clients_start_for_one_server_is_rehashed_every_10_s_of_uptime()
    {
        // secure_ipv4_port_ephemeral's fourth word is jiffies / EPHEMERAL_PORT_SHUFFLE_PERIOD (10 * HZ): within a
        // period one client's connections to one server walk on by 2..16 from the last; at a period's turn the
        // hash, and with it the table_perturb slot and the start, change.
        var sim = new Simulator();
        var node = new Host(new Testbed(sim, new PacketPool(), 1), "node1", CostTable.Free(), cores: 2);
        var ns = node.CreateNamespace("pod");
        var source = Ipv4Address.Parse("10.244.1.2");
        int jumps = 0;
        ushort? last = null;
        for (int second = 0; second < 60; second++)
        {
            sim.RunUntil(SimTime.FromSeconds((long)second));
            ushort port = ns.AllocateConnectPort(source, Server, 80);
            if (last is ushort previous && !new[] { 2, 4, 6, 8, 10, 12, 14, 16 }.Contains(Step(previous, port)))
            {
                jumps++;
            }

            last = port; // not bound: each second's connection is over before the next (its port free again)
        }

        // 60 s of uptime cross six period boundaries (a start that lands within 16 ports of the last by chance aside).
        Assert.InRange(jumps, 5, 6);
    }
}

