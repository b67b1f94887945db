namespace NetPerf.Network.Netfilter;

/// <summary>
/// Rules that several chains hold alike, first in each, until one of them changes: kube-proxy writes the same
/// KUBE-SERVICES portals on every node (pkg/proxy/iptables/proxier.go writes the chain from the cluster's
/// serviceMap), so a 5,000-node cluster of 10,000 Services would otherwise hold 50 M references to 10,000 rules.
/// <see cref="Append"/> adds a rule to every chain made over these (<see cref="Chain.Over"/>) at once, after the
/// shared rules and before each chain's own, and <see cref="Remove"/> deletes one from all of them at once; a chain
/// that is changed in any other way takes its own copy first (<see cref="Attached"/> falls), and both are then
/// refused: the chains no longer agree.
/// </summary>
public sealed class SharedRules
{
    internal readonly List<Rule> Rules = [];

    /// <summary>Chains still walking these rules as their first.</summary>
    public int Attached { get; internal set; }

    /// <summary>Chains made over these, attached or not.</summary>
    public int Made { get; internal set; }

    public int Count => Rules.Count;

    /// <summary>Every chain made over these still holds them: a rule may be added to or removed from all at once.</summary>
    public bool Agree => Attached == Made;

    /// <summary>
    /// <c>iptables -I CHAIN N</c> on every chain over these, N just past the shared rules. Only while every chain made
    /// over them still holds them: once one has its own copy, each chain is changed on its own.
    /// </summary>
    public void Append(Rule rule)
    {
        EnsureAgree();

        if (rule.Target is RuleTarget.Jump or RuleTarget.Goto && rule.JumpTo is null)
        {
            throw new ArgumentException("a jump needs a target chain.", nameof(rule));
        }

        Rules.Add(rule);
    }

    /// <summary>
    /// <c>iptables -D CHAIN RULE</c> on every chain over these (a deleted Service's portal leaves every node's
    /// KUBE-SERVICES in the same sync): true if the rule was one of them. Only while every chain made over them
    /// still holds them, as for <see cref="Append"/>.
    /// </summary>
    public bool Remove(Rule rule)
    {
        EnsureAgree();

        return Rules.Remove(rule);
    }

    private void EnsureAgree()
    {
        if (!Agree)
        {
            throw new InvalidOperationException($"{Made - Attached} of the {Made} chains over these rules have been changed on their own: change each chain.");
        }
    }
}
