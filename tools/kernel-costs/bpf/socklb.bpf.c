// cgroup/connect4 and cgroup/sendmsg4 programs doing the map work of Cilium's socket load balancer
// (cilium/cilium bpf/bpf_sock.c __sock4_xlate_fwd): look the destination up as a Service (lb4_services, slot 0),
// pick a backend slot at random, look the slot and then the backend up, rewrite the socket's destination, and
// record the reverse translation keyed by the socket's cookie (sock4_update_revnat), so replies show the VIP.
// A lower bound of Cilium's program: no affinity, no health checks, no per-cluster scoping.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct lb4_key { __u32 address; __u16 dport; __u16 backend_slot; __u8 proto; __u8 scope; __u8 pad[2]; };
struct lb4_service { __u32 backend_id; __u16 count; __u16 rev_nat_index; __u8 flags, flags2; __u16 qcount; };
struct lb4_backend { __u32 address; __u16 port; __u8 proto; __u8 flags; __u16 cluster_id; __u8 zone; __u8 pad; };
struct revnat_key { __u64 cookie; __u32 address; __u16 port; __u16 pad; };
struct revnat_val { __u32 address; __u16 port; __u16 rev_nat_index; };
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 65536); __type(key, struct lb4_key); __type(value, struct lb4_service); } lb4_services SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 65536); __type(key, __u32); __type(value, struct lb4_backend); } lb4_backends SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 262144); __type(key, struct revnat_key); __type(value, struct revnat_val); } lb4_revnat SEC(".maps");

static __always_inline int xlate(struct bpf_sock_addr *ctx)
{
    struct lb4_key key = { .address = ctx->user_ip4, .dport = (__u16)ctx->user_port };
    struct lb4_service *svc = bpf_map_lookup_elem(&lb4_services, &key);
    if (!svc || !svc->count) return 1;
    struct revnat_val rev = { .address = key.address, .port = key.dport, .rev_nat_index = svc->rev_nat_index };
    key.backend_slot = (bpf_get_prandom_u32() % svc->count) + 1;
    struct lb4_service *slot = bpf_map_lookup_elem(&lb4_services, &key);
    if (!slot) return 1;
    __u32 id = slot->backend_id;
    struct lb4_backend *be = bpf_map_lookup_elem(&lb4_backends, &id);
    if (!be) return 1;
    struct revnat_key rk = { .cookie = bpf_get_socket_cookie(ctx), .address = be->address, .port = be->port };
    bpf_map_update_elem(&lb4_revnat, &rk, &rev, BPF_ANY);
    ctx->user_ip4 = be->address;
    ctx->user_port = be->port;
    return 1;
}

SEC("cgroup/connect4")
int sock4_connect(struct bpf_sock_addr *ctx) { return xlate(ctx); }

SEC("cgroup/sendmsg4")
int sock4_sendmsg(struct bpf_sock_addr *ctx) { return xlate(ctx); }

char LICENSE[] SEC("license") = "GPL";
