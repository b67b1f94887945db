using CsCheck;
using NetPerf.Network.Addressing;
using NetPerf.Network.Routing;

namespace NetPerf.Network.Tests.Routing;

public class FibTests
{
    private static readonly NextHop Eth0 = new(1, Ipv4Address.Any);

    [Fact]
    public void Longest_prefix_match_agrees_with_a_linear_scan_on_random_tables()
    {
        // Prefixes are drawn near each other (one /8) so that they nest often.
        var prefix = Gen.Select(Gen.UInt[0, 0xFFFFF], Gen.Int[0, 32]).Select((bits, len) => new Ipv4Prefix(new Ipv4Address(0x0A000000u | bits << 4), len));
        Gen.Select(prefix.Array[0, 60], Gen.UInt[0, 0xFFFFFF].Array[1, 40]).Sample((prefixes, hosts) =>
        {
            var fib = new Fib();
            var routes = new List<Route>();
            foreach (var p in prefixes.Distinct())
            {
                var r = new Route(p, RouteType.Unicast, Eth0);
                fib.Add(r);
                routes.Add(r);
            }

            foreach (uint h in hosts)
            {
                var a = new Ipv4Address(0x0A000000u | h);
                var expected = routes.Where(r => r.Prefix.Contains(a)).MaxBy(r => r.Prefix.Length);
                Assert.Same(expected, fib.Lookup(a));
            }
        });
    }

    [Fact]
    public void A_calico_node_prefers_the_pod_host_route_over_the_block_over_the_default()
    {
        var fib = new Fib();
        var defaultRoute = new Route(Ipv4Prefix.Parse("0.0.0.0/0"), RouteType.Unicast, new NextHop(1, Ipv4Address.Parse("192.168.0.1")));
        var block = new Route(Ipv4Prefix.Parse("10.244.7.64/26"), RouteType.Unicast, new NextHop(1, Ipv4Address.Parse("192.168.0.12")));
        var pod = new Route(Ipv4Prefix.Parse("10.244.7.70/32"), RouteType.Unicast, new NextHop(5, Ipv4Address.Any));
        fib.Add(defaultRoute);
        fib.Add(block);
        fib.Add(pod);
        Assert.Same(pod, fib.Lookup(Ipv4Address.Parse("10.244.7.70")));
        Assert.Same(block, fib.Lookup(Ipv4Address.Parse("10.244.7.71")));
        Assert.Same(defaultRoute, fib.Lookup(Ipv4Address.Parse("8.8.8.8")));
        Assert.True(fib.Remove(Ipv4Prefix.Parse("10.244.7.70/32")));
        Assert.Same(block, fib.Lookup(Ipv4Address.Parse("10.244.7.70")));
    }

    [Fact]
    public void Without_a_default_route_an_unknown_destination_has_no_route()
    {
        var fib = new Fib();
        fib.Add(new Route(Ipv4Prefix.Parse("10.244.1.0/24"), RouteType.Unicast, Eth0));
        Assert.Null(fib.Lookup(Ipv4Address.Parse("10.245.0.1")));
    }

    [Fact]
    public void Adding_a_second_route_to_the_same_prefix_is_refused_but_replace_swaps_it()
    {
        var fib = new Fib();
        var p = Ipv4Prefix.Parse("10.244.2.0/24");
        fib.Add(new Route(p, RouteType.Unicast, Eth0));
        Assert.Throws<InvalidOperationException>(() => fib.Add(new Route(p, RouteType.Blackhole)));
        var replacement = new Route(p, RouteType.Blackhole);
        fib.Replace(replacement);
        Assert.Same(replacement, fib.Lookup(Ipv4Address.Parse("10.244.2.9")));
        Assert.Equal(1, fib.Count);
    }

    [Fact]
    public void ECMP_keeps_each_flow_on_one_next_hop_and_spreads_flows_evenly()
    {
        var hops = Enumerable.Range(0, 4).Select(i => new NextHop(i, Ipv4Address.Any)).ToArray();
        var route = new Route(Ipv4Prefix.Parse("0.0.0.0/0"), RouteType.Unicast, hops);
        var counts = new int[4];
        var rng = new Random(3);
        for (int i = 0; i < 40_000; i++)
        {
            uint hash = (uint)rng.NextInt64(0, 1L << 32);
            var hop = route.SelectNextHop(hash);
            Assert.Equal(hop, route.SelectNextHop(hash));
            counts[hop.Interface]++;
        }

        // Each share is Binomial(40000, 1/4): sd 87. Allow 5 sd.
        Assert.All(counts, c => Assert.InRange(c, 10_000 - 435, 10_000 + 435));
    }

    [Fact]
    public void A_table_sharing_its_peers_ranges_answers_every_lookup_and_count_as_the_table_holding_them_all()
    {
        // A node's own routes (owner 0) and peers 1-4's prefixes, node 1 being this node, which holds its own range
        // itself (cni0's connected route): the full table holds all of them. Routes built on first use must give
        // the same longest match (Linux's fib_table_lookup: the most specific prefix wins), whatever nests in what.
        var prefix = Gen.Select(Gen.UInt[0, 0xFFFFF], Gen.Int[8, 32]).Select((bits, len) => new Ipv4Prefix(new Ipv4Address(0x0A000000u | bits << 4), len));
        Gen.Select(Gen.Select(prefix, Gen.Int[0, 4]).Array[0, 40], Gen.UInt[0, 0xFFFFFF].Array[1, 40]).Sample((owned, hosts) =>
        {
            var distinct = owned.DistinctBy(o => o.Item1).ToList();
            var routeTo = distinct.ToDictionary(o => o.Item1, o => new Route(o.Item1, RouteType.Unicast, new NextHop(o.Item2 + 1, Ipv4Address.Any)));
            var full = new Fib();
            var lazy = new Fib();
            foreach (var (p, _) in distinct.Where(o => o.Item2 is 0 or 1))
            {
                lazy.Add(routeTo[p]); // the node's own, and its own range: what it holds itself
            }

            foreach (var (p, _) in distinct)
            {
                full.Add(routeTo[p]); // the eager table: its own routes, its own range's, and a route to every peer's
            }

            int built = 0;
            var shared = new PeerRanges(distinct.Where(o => o.Item2 != 0).Select(o => (o.Item2, o.Item1)), 4);
            lazy.ShareRanges(shared, 1, peer =>
            {
                built++;
                foreach (var (p, _) in distinct.Where(o => o.Item2 == peer))
                {
                    lazy.Add(routeTo[p]);
                }
            });

            Assert.Equal(full.Count, lazy.Count);
            foreach (uint h in hosts)
            {
                var a = new Ipv4Address(0x0A000000u | h);
                Assert.Same(full.Lookup(a), lazy.Lookup(a));
            }

            Assert.Equal(full.Count, lazy.Count);
            Assert.InRange(built, 0, 3); // each of peers 2-4 at most once, this node never
        });
    }

    [Fact]
    public void A_table_sharing_a_set_of_local_addresses_answers_every_lookup_find_and_count_as_the_table_holding_them()
    {
        // kube-ipvs0's Service IPs: `ip addr add VIP/32 dev kube-ipvs0` installs `local VIP dev kube-ipvs0` in the
        // node's table (fib_add_ifaddr, net/ipv4/fib_frontend.c), which a longer or equal own route cannot shadow and
        // which beats every shorter one. Addresses come before and after the table attaches the set; one is removed.
        var dummy = new NextHop(7, Ipv4Address.Any);
        var prefix = Gen.Select(Gen.UInt[0, 0xFFFF], Gen.Int[8, 31]).Select((bits, len) => new Ipv4Prefix(new Ipv4Address(0x0A000000u | bits << 8), len));
        Gen.Select(prefix.Array[0, 30], Gen.UInt[0, 0xFFFFFF].Array[0, 40], Gen.UInt[0, 0xFFFFFF].Array[1, 40]).Sample((own, vips, hosts) =>
        {
            var full = new Fib();
            var lazy = new Fib();
            foreach (var p in own.Distinct())
            {
                var r = new Route(p, RouteType.Unicast, Eth0);
                full.Add(r);
                lazy.Add(r);
            }

            var set = new SharedAddresses();
            var distinct = vips.Distinct().Select(v => new Ipv4Address(0x0A000000u | v)).ToList();
            int before = distinct.Count / 2;
            foreach (var a in distinct.Take(before))
            {
                set.Add(a);
            }

            lazy.ShareLocalAddresses(set, dummy);
            foreach (var a in distinct.Skip(before))
            {
                set.Add(a);
            }

            foreach (var a in distinct)
            {
                full.Add(new Route(new Ipv4Prefix(a, 32), RouteType.Local, dummy));
            }

            Assert.Equal(full.Count, lazy.Count);
            foreach (uint h in hosts.Concat(vips.Take(10)))
            {
                var a = new Ipv4Address(0x0A000000u | h);
                Assert.Equal(full.Lookup(a)?.ToString(), lazy.Lookup(a)?.ToString());
                Assert.Equal(full.Count, lazy.Count);
            }

            if (distinct.Count > 0)
            {
                var gone = new Ipv4Prefix(distinct[^1], 32);
                Assert.Equal(full.Find(gone)?.ToString(), lazy.Find(gone)?.ToString());
                Assert.Equal(full.Remove(gone), lazy.Remove(gone)); // `ip addr del`: its local route goes, and is not built again
                Assert.Equal(full.Lookup(distinct[^1])?.ToString(), lazy.Lookup(distinct[^1])?.ToString());
                Assert.Equal(full.Count, lazy.Count);
            }

            if (distinct.Count > 1)
            {
                Assert.Throws<InvalidOperationException>(() => lazy.Add(new Route(new Ipv4Prefix(distinct[0], 32), RouteType.Unicast, Eth0))); // EEXIST, as in the full table
            }
        });
    }

    [Fact]
    public void An_address_taken_from_a_shared_set_is_no_longer_local_in_any_table_whether_or_not_its_route_was_built()
    {
        // kube-proxy's IPVS mode unbinding a deleted Service's ClusterIP from every node's kube-ipvs0 (`ip addr del`):
        // fib_del_ifaddr takes its local route away, so the address falls back to the covering route.
        var dummy = new NextHop(7, Ipv4Address.Any);
        var cover = new Route(Ipv4Prefix.Parse("10.96.0.0/12"), RouteType.Unicast, Eth0);
        var set = new SharedAddresses();
        var (looked, unlooked, kept) = (Ipv4Address.Parse("10.96.0.10"), Ipv4Address.Parse("10.96.0.11"), Ipv4Address.Parse("10.96.0.12"));
        var tables = new[] { new Fib(), new Fib() };
        foreach (var fib in tables)
        {
            fib.Add(cover);
            fib.ShareLocalAddresses(set, dummy);
        }

        foreach (var a in (Ipv4Address[])[looked, unlooked, kept])
        {
            set.Add(a);
        }

        Assert.Equal(RouteType.Local, tables[0].Lookup(looked)!.Type); // built in the first table only
        Assert.Equal(4, tables[0].Count);

        Assert.True(set.Remove(looked));
        Assert.True(set.Remove(unlooked));
        Assert.False(set.Remove(unlooked));
        foreach (var fib in tables)
        {
            Assert.Equal(cover, fib.Lookup(looked));
            Assert.Equal(cover, fib.Lookup(unlooked));
            Assert.Equal(RouteType.Local, fib.Lookup(kept)!.Type);
            Assert.Equal(2, fib.Count); // the covering route and the one address left
        }

        Assert.False(set.Contains(looked));
    }
}
