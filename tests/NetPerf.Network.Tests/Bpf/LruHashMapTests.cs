using NetPerf.Network.Addressing;
using NetPerf.Network.Bpf;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Tests.Bpf;

/// <summary>
/// BPF_MAP_TYPE_LRU_HASH (kernel/bpf/hashtab.c htab_lru_map_update_elem, kernel/bpf/bpf_lru_list.c): an update
/// into a full map reclaims an old entry instead of failing, and a lookup keeps its entry from being the one
/// reclaimed. Cilium's conntrack and NAT maps are such maps, where netfilter's conntrack table refuses a new
/// connection when nothing can be early-dropped (__nf_conntrack_alloc).
/// </summary>
public class LruHashMapTests
{
    private static readonly Ipv4Address Client = Ipv4Address.Parse("10.244.1.2");
    private static readonly Ipv4Address Server = Ipv4Address.Parse("10.244.2.3");

    private static FiveTuple Tcp(int port) => new(Client, Server, IpProtocol.Tcp, (ushort)(10_000 + port), 80);

    [Fact]
    public void A_full_map_takes_every_insert_and_reclaims_the_least_recently_used_entry()
    {
        var map = new LruHashMap<int, int>("test", 4);
        for (int k = 1; k <= 4; k++)
        {
            Assert.False(map.Set(k, k * 10));
        }

        Assert.True(map.TryGetValue(1, out _)); // 1 is used again: 2 is now the oldest
        Assert.True(map.Set(5, 50));           // full: reclaims one
        Assert.Equal(4, map.Count);
        Assert.Equal(1, map.Evictions);
        Assert.False(map.ContainsKey(2));
        Assert.True(map.ContainsKey(1));
        Assert.True(map.TryGetValue(5, out int five));
        Assert.Equal(50, five);

        // An update of a held key is no insert and reclaims nothing.
        Assert.False(map.Set(3, 31));
        Assert.Equal(1, map.Evictions);
        Assert.Equal(5, map.Inserts);
    }

    [Fact]
    public void Established_flows_past_the_size_are_all_taken_by_an_lru_map_but_netfilter_drops_the_new_ones()
    {
        // 64 established (ASSURED) TCP connections fill both tables; 16 more arrive.
        const int size = 64, more = 16;
        var ct = new Conntrack(size);
        var lru = new LruHashMap<FiveTuple, byte>("cilium_ct4_global", size);
        int dropped = 0;
        for (int i = 0; i < size + more; i++)
        {
            var flow = Tcp(i);
            int id = ct.Create(flow, 0, TcpFlags.Syn);
            if (id == 0)
            {
                dropped++;
            }
            else
            {
                Assert.True(ct.Confirm(id, 0));
                ct.Refresh(id, reply: true, 0, TcpFlags.Syn | TcpFlags.Ack);
                ct.Refresh(id, reply: false, 0, TcpFlags.Ack);
            }

            lru.Set(flow, 0);
        }

        // netfilter: early_drop evicts only entries not ASSURED, and every one is, so each new SYN is dropped.
        Assert.Equal(more, dropped);
        Assert.Equal(more, ct.TableFullDrops);

        // The LRU map: every new flow is in, the 16 oldest were reclaimed, nothing refused.
        Assert.Equal(size, lru.Count);
        Assert.Equal(more, lru.Evictions);
        Assert.All(Enumerable.Range(size, more), i => Assert.True(lru.ContainsKey(Tcp(i))));
        Assert.All(Enumerable.Range(0, more), i => Assert.False(lru.ContainsKey(Tcp(i))));
    }

    [Fact]
    public void Lookups_in_a_map_of_the_default_size_allocate_nothing()
    {
        // Every packet of a Cilium flow looks its entry up: the hot path must not allocate.
        var map = new LruHashMap<int, long>("cilium_ct4_global", 524_288);
        for (int k = 0; k < 1000; k++)
        {
            map.Set(k, k);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 10; round++)
        {
            for (int k = 0; k < 1000; k++)
            {
                map.TryGetValue(k, out _);
            }
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread()); // lookups allocate nothing
        Assert.Equal(1000, map.Count);
        Assert.Equal(0, map.Evictions);
    }
}
