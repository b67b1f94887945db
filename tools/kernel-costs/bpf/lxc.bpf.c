// A tc program that does, per packet, the map work of Cilium's bpf_lxc "from-container" fast path for an
// established IPv4 flow (cilium/cilium bpf/bpf_lxc.c handle_ipv4_from_lxc): the ipcache LPM lookup of the
// destination's identity, a conntrack lookup in an LRU hash (created on a miss, as ct_create4 does), the
// policy lookup by (identity, port, protocol, direction), a per-CPU metrics update, the local endpoint lookup,
// MAC rewrite and TTL decrement (ipv4_l3), then either bpf_redirect_peer into the endpoint's namespace (eBPF
// host routing) or TC_ACT_OK to the host stack (legacy host routing), chosen by the map "mode".
// It is smaller than Cilium's real program (no tail calls, no NAT, no events): its run time is a lower bound.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <stddef.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct ct_key { __u32 daddr, saddr; __u16 dport, sport; __u8 nexthdr, flags; __u16 pad; };
struct ct_entry { __u64 lifetime; __u64 packets; __u64 bytes; __u32 src_sec_id; __u16 rev_nat_index; __u16 flags; };
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 524288); __type(key, struct ct_key); __type(value, struct ct_entry); } ct4 SEC(".maps");
struct lpm_key { __u32 prefixlen; __u32 ip; };
struct ipcache_info { __u32 sec_identity; __u32 tunnel_endpoint; };
struct { __uint(type, BPF_MAP_TYPE_LPM_TRIE); __uint(max_entries, 512000); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, struct lpm_key); __type(value, struct ipcache_info); } ipcache SEC(".maps");
struct pol_key { __u32 sec_label; __u16 dport; __u8 protocol; __u8 egress; };
struct pol_entry { __u64 packets; __u64 bytes; __u32 flags; __u32 pad; };
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 16384); __type(key, struct pol_key); __type(value, struct pol_entry); } policy SEC(".maps");
struct ep_info { __u32 ifindex; __u8 mac[6]; __u8 node_mac[6]; };
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 65535); __type(key, __u32); __type(value, struct ep_info); } endpoints SEC(".maps");
struct metrics_key { __u8 reason; __u8 dir; __u16 pad; };
struct metrics_val { __u64 count; __u64 bytes; };
struct { __uint(type, BPF_MAP_TYPE_PERCPU_HASH); __uint(max_entries, 1024); __type(key, struct metrics_key); __type(value, struct metrics_val); } metrics SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u32); } mode SEC(".maps");

#ifdef PASS
SEC("tc")
int tc_pass(struct __sk_buff *skb) { return TC_ACT_OK; }
#else
SEC("tc")
int from_container(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP)) return TC_ACT_OK;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP && ip->protocol != IPPROTO_TCP) return TC_ACT_OK;
    struct udphdr *l4 = (void *)(ip + 1); // TCP's ports sit at the same offsets
    if ((void *)(l4 + 1) > end) return TC_ACT_OK;
    __u32 daddr = ip->daddr, saddr = ip->saddr;
    __u16 dport = l4->dest, sport = l4->source;
    __u8 proto = ip->protocol;

    struct lpm_key lk = { 32, daddr };
    struct ipcache_info *dst = bpf_map_lookup_elem(&ipcache, &lk);
    __u32 identity = dst ? dst->sec_identity : 2; // 2 = world

    struct ct_key ck = { .daddr = daddr, .saddr = saddr, .dport = dport, .sport = sport, .nexthdr = proto };
    struct ct_entry *ct = bpf_map_lookup_elem(&ct4, &ck);
    if (!ct) {
        struct ct_entry fresh = { .lifetime = bpf_ktime_get_ns() + 21600ull * 1000000000ull, .src_sec_id = identity };
        bpf_map_update_elem(&ct4, &ck, &fresh, BPF_ANY);
    } else {
        __sync_fetch_and_add(&ct->packets, 1);
        __sync_fetch_and_add(&ct->bytes, skb->len);
        ct->lifetime = bpf_ktime_get_ns() + 21600ull * 1000000000ull;
    }

    struct pol_key pk = { .sec_label = identity, .dport = dport, .protocol = proto, .egress = 1 };
    struct pol_entry *pol = bpf_map_lookup_elem(&policy, &pk);
    if (pol) { __sync_fetch_and_add(&pol->packets, 1); __sync_fetch_and_add(&pol->bytes, skb->len); }

    struct metrics_key mk = { .reason = 0, .dir = 1 };
    struct metrics_val *m = bpf_map_lookup_elem(&metrics, &mk);
    if (m) { m->count++; m->bytes += skb->len; }
    else { struct metrics_val one = { 1, skb->len }; bpf_map_update_elem(&metrics, &mk, &one, BPF_ANY); }

    __u32 zero = 0;
    __u32 *redirect = bpf_map_lookup_elem(&mode, &zero);
    struct ep_info *ep = bpf_map_lookup_elem(&endpoints, &daddr);
    if (!ep || !redirect || !*redirect) return TC_ACT_OK;

    // ipv4_l3: TTL decrement with its checksum, then the endpoint's MACs.
    __u8 ttl = ip->ttl;
    if (ttl <= 1) return TC_ACT_OK;
    __u16 old = bpf_htons((__u16)ttl << 8), new = bpf_htons((__u16)(ttl - 1) << 8);
    bpf_l3_csum_replace(skb, ETH_HLEN + offsetof(struct iphdr, check), old, new, 2);
    __u8 nttl = ttl - 1;
    bpf_skb_store_bytes(skb, ETH_HLEN + offsetof(struct iphdr, ttl), &nttl, 1, 0);
    bpf_skb_store_bytes(skb, 0, ep->mac, 6, 0);
    bpf_skb_store_bytes(skb, 6, ep->node_mac, 6, 0);
    return bpf_redirect_peer(ep->ifindex, 0);
}

#endif
char LICENSE[] SEC("license") = "GPL";
