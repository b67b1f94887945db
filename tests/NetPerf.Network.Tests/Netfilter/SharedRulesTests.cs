using NetPerf.Network.Addressing;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Tests.Netfilter;

/// <summary>
/// Chains that hold the same first rules (every node's KUBE-SERVICES portals) share them while they agree; each
/// must still read, and be changed, exactly as a chain of its own would (<c>iptables -S</c> order, <c>-I</c>, <c>-D</c>).
/// </summary>
public class SharedRulesTests
{
    private static Rule Portal(int i) => new()
    {
        Destination = new Ipv4Prefix(new Ipv4Address(0x0A600000u + (uint)i), 32), Protocol = IpProtocol.Tcp, DestinationPort = 80,
        Target = RuleTarget.Accept, Comment = $"s{i}",
    };

    [Fact]
    public void A_shared_rule_is_added_to_every_chain_after_the_shared_ones_and_before_each_chains_own()
    {
        var shared = new SharedRules();
        var a = Chain.Over("KUBE-SERVICES", shared);
        var b = Chain.Over("KUBE-SERVICES", shared);
        var nodePortsA = new Rule { Target = RuleTarget.Return, Comment = "a's nodeports" };
        a.Append(nodePortsA);
        b.Append(new Rule { Target = RuleTarget.Return, Comment = "b's nodeports" });

        shared.Append(Portal(1));
        shared.Append(Portal(2));

        // What kube-proxy writes on each node: the portals in order, then the node's KUBE-NODEPORTS jump.
        Assert.Equal(["s1", "s2", "a's nodeports"], a.Rules.Select(r => r.Comment));
        Assert.Equal(["s1", "s2", "b's nodeports"], b.Rules.Select(r => r.Comment));
        Assert.Same(a.Rules[0], b.Rules[0]);
        Assert.Same(nodePortsA, a.Rules[2]);
    }

    [Fact]
    public void A_chain_changed_alone_keeps_what_it_had_and_leaves_the_others_as_they_were()
    {
        var shared = new SharedRules();
        var a = Chain.Over("KUBE-SERVICES", shared);
        var b = Chain.Over("KUBE-SERVICES", shared);
        a.Append(new Rule { Target = RuleTarget.Return, Comment = "end" });
        b.Append(new Rule { Target = RuleTarget.Return, Comment = "end" });
        shared.Append(Portal(1));
        shared.Append(Portal(2));

        var removed = a.Rules[0];
        Assert.True(a.Remove(removed)); // iptables -D on one node
        a.Insert(1, Portal(3));         // iptables -I KUBE-SERVICES 2 on that node

        Assert.Equal(["s2", "s3", "end"], a.Rules.Select(r => r.Comment));
        Assert.Equal(["s1", "s2", "end"], b.Rules.Select(r => r.Comment));
        Assert.False(a.IsOver(shared));
        Assert.True(b.IsOver(shared));

        // The chains no longer agree: adding to all of them at once is refused, each is changed on its own.
        Assert.Throws<InvalidOperationException>(() => shared.Append(Portal(4)));
        Assert.Equal(["s1", "s2", "end"], b.Rules.Select(r => r.Comment));
    }

    [Fact]
    public void A_shared_rule_deleted_leaves_every_chain_at_once_while_they_agree_and_is_refused_once_one_has_its_own_copy()
    {
        // A deleted Service's portal leaves every node's KUBE-SERVICES in one sync (iptables -D on each node).
        var shared = new SharedRules();
        var a = Chain.Over("KUBE-SERVICES", shared);
        var b = Chain.Over("KUBE-SERVICES", shared);
        a.Append(new Rule { Target = RuleTarget.Return, Comment = "end" });
        b.Append(new Rule { Target = RuleTarget.Return, Comment = "end" });
        var (one, two, three) = (Portal(1), Portal(2), Portal(3));
        shared.Append(one);
        shared.Append(two);
        shared.Append(three);

        Assert.True(shared.Remove(two));
        Assert.False(shared.Remove(two));
        Assert.Equal(["s1", "s3", "end"], a.Rules.Select(r => r.Comment));
        Assert.Equal(["s1", "s3", "end"], b.Rules.Select(r => r.Comment));
        Assert.True(a.IsOver(shared) && b.IsOver(shared));

        Assert.True(a.Remove(one)); // one node on its own: it takes its copy first
        Assert.Throws<InvalidOperationException>(() => shared.Remove(three));
        Assert.Equal(["s3", "end"], a.Rules.Select(r => r.Comment));
        Assert.Equal(["s1", "s3", "end"], b.Rules.Select(r => r.Comment));
    }

    [Fact]
    public void A_rule_that_leaves_its_rare_matches_unset_equals_one_built_without_them_and_with_copies_them_apart()
    {
        var plain = new Rule { Target = RuleTarget.Jump, JumpTo = new Chain("X"), Probability = 0.5 };
        var set = plain with { MarkSet = 0x4000, InInterface = "cali+" };
        var unset = set with { MarkSet = null, InInterface = null };

        Assert.Null(plain.MarkSet);
        Assert.Equal(0x4000u, set.MarkSet);
        Assert.Equal("cali+", set.InInterface);
        Assert.Equal(plain, unset); // iptables -D by specification finds the rule whatever way it was written
        Assert.NotEqual(plain, set);
        Assert.Equal(plain.GetHashCode(), unset.GetHashCode());

        var other = set with { SetMark = 1 };
        Assert.Equal(0u, set.SetMark); // a copy's change is its own
        Assert.Equal(0x4000u, other.MarkSet);
    }

    [Fact]
    public void A_numbered_chain_is_named_and_read_and_changed_as_a_chain_of_its_own_is()
    {
        // KUBE-SEP-...: its name and its first two rules kept compactly until read; nothing a reader can tell apart.
        var named = new Chain("KUBE-SEP-0000000A0002");
        var numbered = Chain.Numbered("KUBE-SEP-0000000A", 2, ChainNumberFormat.Hex4);
        foreach (var chain in new[] { named, numbered })
        {
            chain.Append(Portal(1)).Append(Portal(2)).Append(Portal(3));
            chain.Insert(1, Portal(4));
            Assert.True(chain.Remove(chain.Rules[0]));
        }

        Assert.Equal(named.Name, numbered.Name);
        Assert.Equal("endpoint-7-12", Chain.Numbered("endpoint-7-", 12, ChainNumberFormat.Decimal).Name);
        Assert.Equal(named.Rules, numbered.Rules);
        Assert.Equal(["s4", "s2", "s3"], numbered.Rules.Select(r => r.Comment));

        var two = Chain.Numbered("KUBE-SEP-X", 0, ChainNumberFormat.Hex4).Append(Portal(5)).Append(Portal(6));
        Assert.Equal(["s5", "s6"], two.Rules.Select(r => r.Comment));
    }
}
