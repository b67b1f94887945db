namespace NetPerf.Network.Netfilter;

/// <summary>
/// An iptables chain: rules walked in order. A built-in chain ends in its policy; a user chain (KUBE-SERVICES)
/// returns to its caller.
/// </summary>
public sealed class Chain(string name, RuleTarget? policy = null)
{
    private readonly List<Rule> _rules = [];

    public string Name { get; } = name;

    /// <summary>ACCEPT or DROP for built-in chains; null for user chains.</summary>
    public RuleTarget? Policy { get; set; } = policy;

    public IReadOnlyList<Rule> Rules => _rules;

    /// <summary><c>iptables -A</c>.</summary>
    public Chain Append(Rule rule)
    {
        if (rule.Target is RuleTarget.Jump or RuleTarget.Goto && rule.JumpTo is null)
        {
            throw new ArgumentException($"a jump from {Name} needs a target chain.", nameof(rule));
        }

        _rules.Add(rule);
        return this;
    }

    /// <summary><c>iptables -I</c> at the top.</summary>
    public Chain Insert(Rule rule)
    {
        _rules.Insert(0, rule);
        return this;
    }

    /// <summary><c>iptables -I CHAIN N</c>: the rule becomes number <paramref name="index"/> + 1.</summary>
    public Chain Insert(int index, Rule rule)
    {
        if (rule.Target is RuleTarget.Jump or RuleTarget.Goto && rule.JumpTo is null)
        {
            throw new ArgumentException($"a jump from {Name} needs a target chain.", nameof(rule));
        }

        _rules.Insert(index, rule);
        return this;
    }

    /// <summary><c>iptables -D CHAIN RULE</c>: true if the rule was there.</summary>
    public bool Remove(Rule rule) => _rules.Remove(rule);

    public void Clear() => _rules.Clear();

    public override string ToString() => $"{Name} ({_rules.Count} rules)";
}
