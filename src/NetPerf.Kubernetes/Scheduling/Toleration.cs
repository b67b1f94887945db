namespace NetPerf.Kubernetes.Scheduling;

/// <summary>
/// A pod's toleration. As core/v1 Toleration.ToleratesTaint: an empty <see cref="Effect"/> (null) matches every
/// effect; an empty key with operator Exists matches every taint; Equal (the default) needs the values equal.
/// </summary>
public sealed record Toleration(string Key, TolerationOperator Operator, string Value, TaintEffect? Effect)
{
    public bool Tolerates(Taint taint)
    {
        if (Effect is { } effect && effect != taint.Effect)
        {
            return false;
        }

        if (Key.Length > 0 && Key != taint.Key)
        {
            return false;
        }

        return Operator switch
        {
            TolerationOperator.Exists => true,
            _ => Value == taint.Value,
        };
    }
}

/// <summary>A toleration's operator: Equal (the API's default) or Exists.</summary>
public enum TolerationOperator
{
    Equal,
    Exists,
}
