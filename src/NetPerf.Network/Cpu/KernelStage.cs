namespace NetPerf.Network.Cpu;

/// <summary>
/// The pieces of kernel (and application) work a packet costs, named after the kernel functions a profile
/// would show. Each is charged to the core that runs it, as fixed time plus time per byte (<see cref="CostTable"/>).
/// </summary>
public enum KernelStage
{
    /// <summary>sendmsg/recvmsg entry and exit, copy to or from user space.</summary>
    Syscall,
    UdpOutput,
    UdpInput,

    /// <summary>ip_output / ip_finish_output2: header, neighbour output.</summary>
    IpOutput,

    /// <summary>ip_rcv / ip_rcv_finish: header checks, routing decision.</summary>
    IpInput,

    /// <summary>ip_forward: TTL, forwarding checks.</summary>
    IpForward,

    /// <summary>fib_table_lookup.</summary>
    FibLookup,

    /// <summary>veth_xmit: hand the packet to the peer's backlog (netif_rx).</summary>
    VethTransmit,

    /// <summary>process_backlog / __netif_receive_skb on the same core.</summary>
    BacklogReceive,

    /// <summary>br_handle_frame and br_forward: FDB lookup and forwarding.</summary>
    BridgeForward,

    /// <summary>
    /// br_netfilter's own work for a frame entering a bridge port with bridge-nf-call-iptables=1
    /// (br_nf_pre_routing: the nf_bridge state, the fake rtable, handing the frame to the IPv4 hooks); the hooks
    /// and conntrack it calls are charged as theirs.
    /// </summary>
    BridgeNetfilter,

    /// <summary>vxlan_xmit: FDB lookup, outer UDP/IP headers (udp_tunnel_xmit_skb).</summary>
    VxlanEncapsulate,

    /// <summary>vxlan_rcv: strip the outer headers, hand the inner frame to the vxlan device.</summary>
    VxlanDecapsulate,

    /// <summary>geneve_xmit on a metadata device: the tunnel key's route, geneve_build_skb's headers, udp_tunnel_xmit_skb.</summary>
    GeneveEncapsulate,

    /// <summary>geneve_udp_encap_recv / geneve_rx: strip the outer headers, hand the inner frame to the geneve device.</summary>
    GeneveDecapsulate,

    /// <summary>ipip_tunnel_xmit.</summary>
    IpipEncapsulate,

    /// <summary>ipip_rcv.</summary>
    IpipDecapsulate,

    /// <summary>The NIC driver's ndo_start_xmit and descriptor handling.</summary>
    NicTransmit,

    /// <summary>The NIC driver's NAPI poll and GRO for one packet.</summary>
    NicReceive,

    /// <summary>loopback_xmit: straight into the backlog of the same core.</summary>
    LoopbackTransmit,

    /// <summary>
    /// Queueing to a socket and waking the receiving process: both sides of the wake-up, the waker's
    /// (<see cref="SocketWakeUp"/>) and the woken thread's switch-in (<see cref="ContextSwitch"/>), charged together on
    /// the core that queues, as for a process on that core. Weave's weaver, on a core of its own, pays the two apart.
    /// </summary>
    SocketDeliver,

    /// <summary>Entering a netfilter hook that has tables registered (nf_hook_slow).</summary>
    NetfilterHook,

    /// <summary>Evaluating one iptables rule on the legacy x_tables backend (ipt_do_table, per rule: measurements.md R-17).</summary>
    NetfilterRule,

    /// <summary>
    /// One rule evaluated by iptables-nft: nft_do_chain over the rule's expressions (net/netfilter/nf_tables_core.c).
    /// The backend current distributions use (<see cref="Netfilter.IptablesBackend.Nft"/>); nftables' own rules
    /// run the same way.
    /// </summary>
    NftablesRule,

    /// <summary>nf_conntrack_in: hashing the tuple and finding the connection.</summary>
    ConntrackLookup,

    /// <summary>nf_conntrack_in for a tunnel's outer packet (a VXLAN or IP-in-IP flow between two nodes), priced apart from the inner packets' lookups.</summary>
    ConntrackOuterLookup,

    /// <summary>
    /// nf_conntrack_tcp_packet for a TCP segment conntrack sees (net/netfilter/nf_conntrack_proto_tcp.c): the TCP
    /// state machine and tcp_in_window's sequence and window checks, under the connection's lock. Charged per TCP
    /// segment beside <see cref="ConntrackLookup"/>; UDP (nf_conntrack_udp_packet) has no such work.
    /// </summary>
    ConntrackTcpState,

    /// <summary>An nftables map lookup (a hash of the concatenated key).</summary>
    NftMapLookup,

    /// <summary>ip_vs_conn_in_get / ip_vs_conn_out_get: IPVS's connection hash lookup.</summary>
    IpvsLookup,

    /// <summary>Choosing a real server and creating an IPVS connection.</summary>
    IpvsSchedule,

    /// <summary>Creating and confirming a new connection entry.</summary>
    ConntrackNew,

    /// <summary>Rewriting addresses and ports for NAT (nf_nat_manip_pkt) and fixing checksums.</summary>
    Nat,

    /// <summary>ip_fragment: cutting one fragment (charged per fragment).</summary>
    Fragment,

    /// <summary>ip_defrag: queueing one fragment for reassembly (charged per fragment).</summary>
    Reassemble,

    /// <summary>icmp_send: building an ICMP error, or icmp_rcv handling one.</summary>
    Icmp,

    /// <summary>tcp_sendmsg, tcp_write_xmit and tcp_transmit_skb: building and sending one TCP packet (a GSO super-packet counts once).</summary>
    TcpOutput,

    /// <summary>tcp_v4_rcv and tcp_rcv_established: one received TCP packet, its ACK processing and queueing its data.</summary>
    TcpInput,

    /// <summary>
    /// A TCP connection's life apart from its segments, once per connection on each side: socket() and connect(),
    /// or the request sock, the child socket and accept(); then close() and the socket's teardown (inet_csk
    /// accept queue, tcp_v4_init_sock, inet_release, the TIME_WAIT sock). Only new connections (TCP_CRR) pay it.
    /// </summary>
    TcpConnection,

    /// <summary>skb_segment: software GSO cutting one segment off a super-packet (charged per segment).</summary>
    GsoSegment,

    /// <summary>A received frame merged into a GRO aggregate: its descriptor, dev_gro_receive and tcp4_gro_receive (charged per frame).</summary>
    GroReceive,

    /// <summary>
    /// The Open vSwitch kernel datapath's work for one packet a vport received (net/openvswitch/datapath.c
    /// ovs_dp_process_packet: ovs_flow_key_extract, ovs_flow_tbl_lookup_stats over the flow table's masks, then
    /// ovs_execute_actions, here one output or set-tunnel-and-output action). Weave Net's fastdp crosses it once
    /// per node (weaveworks/weave net/bridge.go, router/fastdp.go).
    /// </summary>
    OvsFlowLookup,

    /// <summary>
    /// A miss in the Open vSwitch datapath's flow table: ovs_dp_upcall queues the packet in a generic-netlink
    /// message to the user-space controller (Weave Net's weaver, router/fastdp.go's miss handler), which replies
    /// with OVS_FLOW_CMD_NEW (the flow installed) and OVS_PACKET_CMD_EXECUTE (this packet sent on). Paid once per
    /// flow, and Weave's flows are per (in_port, source MAC, destination MAC), not per connection.
    /// </summary>
    OvsUpcall,

    /// <summary>
    /// The kernel handing a frame to Weave Net's weaver for sleeve (weaveworks/weave router/sleeve.go): with
    /// WEAVE_NO_FASTDP, tpacket_rcv on the weaver's pcap socket on vethwe-pcap (net/packet/af_packet.c: the
    /// "inbound" BPF filter router/pcap.go sets, a slot of the mmap ring, the frame copied into it); in fastdp's
    /// fallback, ovs_dp_upcall's generic-netlink message for a frame whose flow names a sleeve peer, which is never
    /// installed as a flow (router/fastdp.go send: a foreign FlowOp vetoes it), so every such frame is upcalled.
    /// Runs on the core that received the frame, followed there by <see cref="SocketWakeUp"/>; the weaver's own
    /// work follows on its core.
    /// </summary>
    SleeveCapture,

    /// <summary>
    /// User space: the weaver's Go code for one captured frame before its send, on the weaver's core
    /// (router/pcap.go ZeroCopyReadPacketData reads it out of the ring; router/ethernet_decoder.go decodes its
    /// Ethernet and IPv4 headers with gopacket's DecodingLayerParser; the MAC cache and the route choose the peer;
    /// the frame goes down the forwarder's channel and router/crypto.go NonEncryptor.AppendFrame copies it behind
    /// the sleeve headers). Its sendto is charged as <see cref="Syscall"/> and <see cref="UdpOutput"/>, the outer
    /// packet's kernel path as any packet's, the weaver's wake-ups as <see cref="ContextSwitch"/>.
    /// </summary>
    SleeveEncapsulate,

    /// <summary>
    /// User space: the weaver's Go code for one frame of a received sleeve datagram, after its recvfrom (charged
    /// as <see cref="Syscall"/>), on the weaver's core: the datagram's sleeve headers and the frame's Ethernet
    /// header decoded, the frame copied out of the read buffer (router/sleeve.go readUDP), the source MAC learned.
    /// Its injection is a system call of its own (<see cref="Syscall"/>): a send() on the pcap socket
    /// (pcap_inject: packet_snd copies it from user space and transmits it on vethwe-pcap) or, in fastdp's
    /// fallback, OVS_PACKET_CMD_EXECUTE on the datapath (its output action sends it on vethwe-datapath).
    /// </summary>
    SleeveDecapsulate,

    /// <summary>
    /// Data queued to a socket and its sleeping reader woken, on the core that queued it (sk_data_ready:
    /// sock_def_readable, __wake_up, try_to_wake_up picking the reader's CPU and queueing it there): the waker's
    /// side of <see cref="SocketDeliver"/>, charged apart for a process whose own core is another (Weave's
    /// weaver), whose side of the wake-up is then <see cref="ContextSwitch"/> on that core.
    /// </summary>
    SocketWakeUp,

    /// <summary>
    /// A woken thread switched in on its own core (kernel/sched/core.c __schedule: context_switch,
    /// finish_task_switch): the woken side of <see cref="SocketDeliver"/>, charged on the woken process's core as
    /// work that queues behind whatever else that core runs, so its wait is scheduling latency. Charged for
    /// Weave's weaver, once for each of its threads that a frame wakes (<see cref="SocketWakeUp"/>).
    /// </summary>
    ContextSwitch,

    /// <summary>
    /// Cilium's cil_from_container (bpf/bpf_lxc.c), on the tc ingress hook of a pod's host-side lxc* veth: every
    /// packet a pod sends. Parses the headers, looks the flow up in Cilium's own conntrack map (ct_lookup4) and the
    /// destination in the ipcache (its identity, and the node or tunnel endpoint behind it), then delivers to a
    /// local endpoint, encapsulates, redirects out (eBPF host routing) or passes the packet to the host stack.
    /// </summary>
    BpfFromContainer,

    /// <summary>
    /// The destination endpoint's ingress program, tail-called by the program that delivers to it
    /// (ipv4_local_delivery, bpf/lib/l3.h, into the endpoint's policy program): its conntrack lookup and the
    /// identity-based policy verdict (one lookup in the endpoint's policy map, however many policies exist).
    /// </summary>
    BpfToContainer,

    /// <summary>
    /// Cilium's cil_from_netdev (bpf/bpf_host.c) on the tc ingress hook of the node's own device (eth0): every
    /// packet the node receives from the wire. Looks the destination up among the node's endpoints; with eBPF host
    /// routing delivers a local pod's packet straight into its namespace, otherwise passes it to the stack.
    /// </summary>
    BpfFromNetdev,

    /// <summary>
    /// Cilium's cil_from_host (bpf/bpf_host.c) on the tc egress hook of cilium_host: what the host stack routes to
    /// the pod CIDR (legacy host routing) is delivered to its endpoint, or in tunnel mode encapsulated.
    /// </summary>
    BpfFromHost,

    /// <summary>
    /// Cilium's cil_from_overlay (bpf/bpf_overlay.c) on the tc ingress hook of cilium_vxlan / cilium_geneve: a
    /// decapsulated packet, its source identity taken from the tunnel key, delivered to its local endpoint.
    /// </summary>
    BpfFromOverlay,

    /// <summary>
    /// Cilium's per-packet Service translation in tc BPF (bpf/lib/lb.h): at cil_from_container, a packet to a
    /// ClusterIP looked up in the service and backend maps (lb4_lookup_service, lb4_local: the backend kept in
    /// Cilium's conntrack entry) and its destination rewritten; at delivery, a reply's source rewritten back
    /// (lb4_rev_nat). Kube-proxy replacement's socket LB does neither: it translates once, at connect().
    /// </summary>
    BpfServiceNat,

    /// <summary>
    /// Kube-proxy replacement's socket load balancing (Cilium's bpf/bpf_sock.c cil_sock4_connect, on the root
    /// cgroup's connect4 hook, and cil_sock4_sendmsg on sendmsg4 for each UDP datagram): at connect() to a ClusterIP, the service and backend map lookups, a random backend,
    /// the reverse-NAT LRU entry keyed by the socket's cookie, and the peer address rewritten. Once per connection:
    /// its packets carry the backend's address from the first, so no packet pays <see cref="BpfServiceNat"/>.
    /// </summary>
    BpfSocketLb,

    /// <summary>
    /// Socket LB's recvmsg4 for UDP (bpf_sock.c cil_sock4_recvmsg, __sock4_xlate_rev): a datagram from a backend the
    /// socket's sendmsg4 translated to is reported from the Service's address, looked up in the reverse-NAT map by
    /// the socket's cookie and the backend. So a UDP client of a ClusterIP (a resolver of kube-dns) sees the answer
    /// come from the address it asked, and no packet was translated on the way.
    /// </summary>
    BpfSocketLbReceive,

    /// <summary>
    /// Kube-proxy replacement's NodePort in tc BPF (bpf/lib/nodeport.h nodeport_lb4, from cil_from_netdev): a packet
    /// to one of the node's addresses on a NodePort looked up in the service map (lb4_lookup_service), its flow in
    /// Cilium's conntrack map (ct_lookup4) and its backend in the backend map, and its destination rewritten to the
    /// backend. Every packet of such a flow pays it at the node it enters; a new flow pays its backend's selection
    /// too (<see cref="BpfBackendRandom"/> or <see cref="BpfBackendMaglev"/>).
    /// </summary>
    BpfNodePort,

    /// <summary>
    /// The NodePort's source NAT in BPF (bpf/lib/nat.h snat_v4_nat on the way to a backend on another node,
    /// snat_v4_rev_nat on its reply): the NAT map lookup (a new flow's mapping written) and the source (or the
    /// reply's destination) rewritten with its checksums. Not paid in DSR mode, nor for a backend on the same node.
    /// </summary>
    BpfNodePortSnat,

    /// <summary>
    /// Direct server return's IPv4 option (bpf/lib/nodeport.h, dsrDispatch: opt): at the entry node dsr_set_opt4
    /// grows the header by 8 bytes and writes the frontend's address and port into it; at the backend's node
    /// handle_dsr_v4 reads it and keeps it in the flow's conntrack entry, from which the reply gets its source.
    /// </summary>
    BpfDsr,

    /// <summary>A new external flow's backend drawn at random (lb4_select_backend_id_random: bpf_get_prandom_u32 and the backend slot lookup).</summary>
    BpfBackendRandom,

    /// <summary>
    /// A new external flow's backend from the Service's Maglev lookup table (lb4_select_backend_id_maglev: the
    /// tuple's hash, the outer map's lookup of the Service's table and the inner array's of the slot).
    /// </summary>
    BpfBackendMaglev,

    /// <summary>
    /// A new entry written into one of Cilium's LRU hash maps (bpf_map_update_elem on cilium_ct4_global,
    /// cilium_ct_any4_global or cilium_snat_v4_external): ct_create4 for a flow's first packet at an endpoint or a
    /// NodePort (and again for a flow whose entry was evicted: Cilium creates entries for non-SYN packets too), or
    /// snat_v4_new_mapping. The programs' own stages are measured on established flows and do not include it.
    /// </summary>
    BpfMapInsert,

    /// <summary>
    /// The extra work of an insert into a full LRU map: the per-CPU free list is empty, so bpf_lru_pop_free
    /// shrinks the inactive list (__bpf_lru_list_shrink) and reclaims an old entry, deleting it from its hash
    /// bucket (htab_lru_map_delete_node) before the new one takes its node.
    /// </summary>
    BpfLruEvict,

    /// <summary>
    /// TCP's internal pacing timer firing once (net/ipv4/tcp_output.c: tcp_pacing_check arms tp->pacing_timer, a
    /// pinned soft hrtimer, when a send finds the socket's next departure time, tcp_wstamp_ns, still ahead;
    /// tcp_pace_kick then runs tcp_tsq_handler and tcp_write_xmit again): the hrtimer's arming and expiry, the
    /// timer interrupt, the HRTIMER softirq and the lost batching of a sender that leaves one super-packet per
    /// wake-up. Linux paces this way when the congestion control asks for pacing (BBR) and the qdisc is not fq.
    /// </summary>
    TcpPacingTimer,

    /// <summary>
    /// Other work the CPU runs in the middle of a packet's stage: timer and RCU softirqs, other interrupts,
    /// kworkers, a hypervisor's steal. Not a stage of the path, but time its packet waits and busy time the
    /// core spends: it arrives as a Poisson process while the core does a packet's work
    /// (<see cref="CostTable.InterferencePerMillisecond"/>), each occurrence lasting an exponential time whose
    /// mean is this row's fixed cost. It is what makes a quiet kernel's latency have a tail.
    /// </summary>
    Interference,

    /// <summary>
    /// Rarer, longer interruptions of a packet's stage: another kernel thread taking the CPU (a kworker such as
    /// conntrack's garbage collector, RCU callbacks, ksoftirqd, the scheduler). Drawn as <see cref="Interference"/>
    /// is, at its own rate (<see cref="CostTable.PreemptionPerMillisecond"/>) and mean: it is what p99.9, and on long
    /// paths p99, are made of.
    /// </summary>
    Preemption,
}
