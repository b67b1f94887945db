using System.Globalization;

namespace NetPerf.Kubernetes.Scheduling;

/// <summary>One requirement of a selector: a key, an operator and (for In, NotIn, Gt, Lt) values.</summary>
public sealed record LabelRequirement(string Key, SelectorOperator Operator, IReadOnlyList<string> Values)
{
    public LabelRequirement(string key, SelectorOperator op, params string[] values)
        : this(key, op, (IReadOnlyList<string>)values)
    {
    }

    /// <summary>
    /// As apimachinery's labels.Requirement.Matches: NotIn and DoesNotExist match a missing label; Gt and Lt need
    /// the label to parse as an integer (a label that does not parse matches neither).
    /// </summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        bool has = labels.TryGetValue(Key, out var value);
        return Operator switch
        {
            SelectorOperator.In => has && Values.Contains(value!),
            SelectorOperator.NotIn => !has || !Values.Contains(value!),
            SelectorOperator.Exists => has,
            SelectorOperator.DoesNotExist => !has,
            SelectorOperator.Gt => has && Compare(value!) is { } c && c > 0,
            SelectorOperator.Lt => has && Compare(value!) is { } c && c < 0,
            _ => throw new ArgumentOutOfRangeException(nameof(Operator), Operator, null),
        };
    }

    private int? Compare(string value) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long have)
        && Values.Count == 1 && long.TryParse(Values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long want)
            ? have.CompareTo(want) : null;
}
