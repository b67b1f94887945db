namespace NetPerf.Kubernetes.Policy;

/// <summary>A policy engine's data plane: rebuilt from the whole set of policies whenever it or the pods change (as felix recomputes).</summary>
public interface IPolicyRenderer
{
    void Render(IReadOnlyList<NetworkPolicy> policies);
}
