using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;

namespace NetPerf.Kubernetes.Cni;

/// <summary>
/// calico-ipam's block affinity: a node holds the /26 blocks it claimed from the IP pool (here the cluster CIDR;
/// Calico's own default pool is 192.168.0.0/16) and allocates its pods' addresses from them; when they are full
/// it claims another free block, affine to it, and every other node gets a route to that block (BIRD announces
/// each block the node holds; with static routing they are installed as BGP would leave them). A node's first
/// block is its pod CIDR's first /26 (where NetPerf always put it); a further block is the next unclaimed /26
/// of the pool after the node's last, in address order (Calico picks a free block by a generator seeded from the
/// host name: which block differs, how many and their routes do not).
/// </summary>
public sealed partial class CalicoRouted
{
    /// <summary>A /26: 64 addresses, every one assignable (Calico routes each pod as a /32, so no network or broadcast address is lost).</summary>
    public const int BlockAddresses = 1 << (32 - BlockLength);

    private readonly Dictionary<Node, List<Ipv4Prefix>> _blocks = [];
    private readonly HashSet<Ipv4Prefix> _claimed = [];
    private readonly List<Node> _connected = []; // in the order they were connected: the order a new block's routes are installed in
    private readonly HashSet<Node> _isConnected = []; // the same nodes, for membership: a list's Contains made connecting n nodes n^2/2 comparisons (12.5 M at 5,000)

    /// <summary>The blocks affine to <paramref name="node"/>, in the order it claimed them.</summary>
    public IReadOnlyList<Ipv4Prefix> Blocks(Node node) => _blocks.TryGetValue(node, out var list) ? list : [Block(node)];

    public override void ConnectNodes(IReadOnlyList<Node> nodes)
    {
        RefuseBgpAcrossRacks(nodes);
        base.ConnectNodes(nodes);
        Connected(nodes);
    }

    public override void JoinNode(Node joined, IReadOnlyList<Node> others)
    {
        RefuseBgpAcrossRacks(others);
        base.JoinNode(joined, others);
        Connected(others.Append(joined));
    }

    /// <summary>Adds the nodes not yet connected, each once, in their order.</summary>
    private void Connected(IEnumerable<Node> nodes)
    {
        foreach (var node in nodes)
        {
            if (_isConnected.Add(node))
            {
                _connected.Add(node);
            }
        }
    }

    private void ClaimFirstBlock(Node node)
    {
        var first = Block(node);
        if (!_claimed.Add(first))
        {
            throw new InvalidOperationException($"calico-ipam: {node.Name}'s first block {first} is already claimed by another node.");
        }

        _blocks[node] = [first];
    }

    private void ClaimBlock(Node node)
    {
        var pool = node.ClusterCidr;
        var blocks = _blocks[node];
        ulong count = 1UL << (BlockLength - pool.Length);
        ulong start = (blocks[^1].Network.Value - pool.Network.Value) / BlockAddresses + 1;
        for (ulong i = 0; i < count; i++)
        {
            ulong index = (start + i) % count;
            var candidate = new Ipv4Prefix(new Ipv4Address(pool.Network.Value + (uint)(index * BlockAddresses)), BlockLength);
            if (_claimed.Add(candidate))
            {
                blocks.Add(candidate);
                Announce(node, candidate);
                return;
            }
        }

        throw new InvalidOperationException(
            $"calico-ipam: the pool {pool} has no free /{BlockLength} block left for {node.Name} ({_claimed.Count} claimed); " +
            "Calico would then borrow addresses from other nodes' blocks (strictAffinity false), which is not modelled.");
    }

    private void Announce(Node owner, Ipv4Prefix block)
    {
        if (Routing == CalicoRouting.Static && _isConnected.Contains(owner))
        {
            foreach (var node in _connected)
            {
                if (node != owner)
                {
                    InstallBlockRoute(node, block, owner.Ip);
                }
            }
        }

        OnPodRangeAdded(owner, block); // BIRD originates it (BgpControlPlane); the ToR learns it (KubernetesCluster)
    }
}
