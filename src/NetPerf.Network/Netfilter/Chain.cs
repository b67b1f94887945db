namespace NetPerf.Network.Netfilter;

/// <summary>
/// An iptables chain: rules walked in order. A built-in chain ends in its policy; a user chain (KUBE-SERVICES)
/// returns to its caller. A chain made over <see cref="SharedRules"/> walks those first, then its own, until it is
/// changed other than by <see cref="Append"/>: then it takes its own copy of them.
/// </summary>
public sealed class Chain
{
    // A numbered chain keeps its first two rules inline until its rules are read or changed otherwise: 2.5 M endpoint
    // chains at Kubernetes' thresholds, of which a run's traffic walks a few, so the rest never make their list.
    private List<Rule>? _rules;
    private Rule? _inline0, _inline1;
    private SharedRules? _shared;
    private SharedThenOwn? _view;
    private string? _name;
    private readonly ChainNumber _number;

    public Chain(string name, RuleTarget? policy = null)
    {
        _name = name;
        Policy = policy;
        _rules = [];
    }

    private Chain(ChainNumber number) => _number = number;

    /// <summary>The chain's own rules as a list, made from the inline ones when first needed.</summary>
    private List<Rule> Own => _rules ??= Materialize();

    private List<Rule> Materialize()
    {
        var list = new List<Rule>(2);
        if (_inline0 is { } first)
        {
            list.Add(first);
        }

        if (_inline1 is { } second)
        {
            list.Add(second);
        }

        (_inline0, _inline1) = (null, null);
        return list;
    }

    /// <summary>
    /// One of many chains named by a number after a common prefix (kube-proxy's KUBE-SEP-... per endpoint: 2.5 M
    /// at Kubernetes' thresholds), its name written when first read, its first two rules held inline until its
    /// rules are first read.
    /// </summary>
    public static Chain Numbered(string prefix, int number, ChainNumberFormat format) =>
        new(new ChainNumber(prefix, number, format));

    public string Name => _name ??= NumberedName(_number.Prefix, _number.Number, _number.Format);

    /// <summary>The name <see cref="Numbered"/> gives: the prefix, then the number as <paramref name="format"/> writes it.</summary>
    public static string NumberedName(string prefix, int number, ChainNumberFormat format) =>
        prefix + number.ToString(format == ChainNumberFormat.Hex4 ? "X4" : "D", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>ACCEPT or DROP for built-in chains; null for user chains.</summary>
    public RuleTarget? Policy { get; set; }

    /// <summary>The rules in the order they are walked: the shared ones (while attached), then the chain's own.</summary>
    public IReadOnlyList<Rule> Rules => _shared is null ? Own : (_view ??= new SharedThenOwn(_shared.Rules, Own));

    /// <summary>A user chain whose first rules are <paramref name="shared"/>, as long as it is not changed on its own.</summary>
    public static Chain Over(string name, SharedRules shared)
    {
        var chain = new Chain(name) { _shared = shared };
        shared.Attached++;
        shared.Made++;
        return chain;
    }

    /// <summary>Whether the chain still walks shared rules (<see cref="Over"/>) rather than its own copy of them.</summary>
    public bool WalksSharedRules => _shared is not null;

    /// <summary>Whether the chain still walks <paramref name="shared"/> rather than its own copy.</summary>
    public bool IsOver(SharedRules shared) => _shared == shared;

    /// <summary>The chain takes its own copy of the shared rules, before it is changed alone.</summary>
    private void Detach()
    {
        if (_shared is { } shared)
        {
            Own.InsertRange(0, shared.Rules);
            shared.Attached--;
            _shared = null;
            _view = null;
        }
    }

    /// <summary><c>iptables -A</c>: after the shared rules, if any, and the chain's own.</summary>
    public Chain Append(Rule rule)
    {
        if (rule.Target is RuleTarget.Jump or RuleTarget.Goto && rule.JumpTo is null)
        {
            throw new ArgumentException($"a jump from {Name} needs a target chain.", nameof(rule));
        }

        if (_rules is null && _inline1 is null)
        {
            if (_inline0 is null)
            {
                _inline0 = rule;
            }
            else
            {
                _inline1 = rule;
            }

            return this;
        }

        Own.Add(rule);
        return this;
    }

    /// <summary><c>iptables -I</c> at the top.</summary>
    public Chain Insert(Rule rule)
    {
        Detach();
        Own.Insert(0, rule);
        return this;
    }

    /// <summary><c>iptables -I CHAIN N</c>: the rule becomes number <paramref name="index"/> + 1.</summary>
    public Chain Insert(int index, Rule rule)
    {
        if (rule.Target is RuleTarget.Jump or RuleTarget.Goto && rule.JumpTo is null)
        {
            throw new ArgumentException($"a jump from {Name} needs a target chain.", nameof(rule));
        }

        Detach();
        Own.Insert(index, rule);
        return this;
    }

    /// <summary><c>iptables -D CHAIN RULE</c>: true if the rule was there.</summary>
    public bool Remove(Rule rule)
    {
        if (_shared is { } shared && !shared.Rules.Contains(rule))
        {
            return Own.Remove(rule); // one of the chain's own: the shared ones stay shared
        }

        Detach();
        return Own.Remove(rule);
    }

    public void Clear()
    {
        if (_shared is { } shared)
        {
            shared.Attached--; // nothing of them is kept: no copy to make
            _shared = null;
            _view = null;
        }

        Own.Clear();
    }

    public override string ToString() => $"{Name} ({Rules.Count} rules)";

    /// <summary>The shared rules, then the chain's own, read in place.</summary>
    private sealed class SharedThenOwn(List<Rule> shared, List<Rule> own) : IReadOnlyList<Rule>
    {
        public int Count => shared.Count + own.Count;

        public Rule this[int index] => index < shared.Count ? shared[index] : own[index - shared.Count];

        public IEnumerator<Rule> GetEnumerator() => shared.Concat(own).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
