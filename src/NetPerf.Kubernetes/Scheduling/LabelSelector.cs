namespace NetPerf.Kubernetes.Scheduling;

/// <summary>
/// A metav1.LabelSelector: matchLabels and matchExpressions, all of which must hold. An empty selector matches
/// every pod (as metav1.LabelSelectorAsSelector makes it: labels.Everything()).
/// </summary>
public sealed record LabelSelector(IReadOnlyDictionary<string, string> MatchLabels, IReadOnlyList<LabelRequirement> MatchExpressions)
{
    public static LabelSelector Everything { get; } = new(new Dictionary<string, string>(), []);

    public static LabelSelector Of(IReadOnlyDictionary<string, string> matchLabels) => new(matchLabels, []);

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (key, value) in MatchLabels)
        {
            if (!labels.TryGetValue(key, out var have) || have != value)
            {
                return false;
            }
        }

        return MatchExpressions.All(r => r.Matches(labels));
    }
}
