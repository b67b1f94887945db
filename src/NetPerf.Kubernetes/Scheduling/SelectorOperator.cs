namespace NetPerf.Kubernetes.Scheduling;

/// <summary>
/// The operators of a label selector's and a node selector's requirements (k8s.io/api core/v1 types.go:
/// NodeSelectorOperator; metav1 LabelSelectorOperator has the first four). Gt and Lt compare a node label's
/// value as an integer and are valid in node selectors only.
/// </summary>
public enum SelectorOperator
{
    In,
    NotIn,
    Exists,
    DoesNotExist,
    Gt,
    Lt,
}
