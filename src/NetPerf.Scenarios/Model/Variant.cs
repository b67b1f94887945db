namespace NetPerf.Scenarios.Model;

/// <summary>One combination of the compare block's values; its name joins the values that vary.</summary>
public sealed record Variant(string Name, Kubernetes.Cni.CniPluginKind Cni, Kubernetes.Services.KubeProxyMode KubeProxy, int ExtraServices, int? MessageBytes);
