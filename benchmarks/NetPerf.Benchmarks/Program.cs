using BenchmarkDotNet.Running;

// Examples:
//   dotnet run -c Release --project benchmarks/NetPerf.Benchmarks -- --filter '*HoldModel*' --job short
//   dotnet run -c Release --project benchmarks/NetPerf.Benchmarks -- --list flat
// CSV, Markdown and HTML reports land in BenchmarkDotNet.Artifacts/results/ (ignored by git).
//   dotnet run -c Release --project benchmarks/NetPerf.Benchmarks -- rack-build [plugin] [nodes...]   (a cluster of nodes on racks: allocated, live heap, time)
//   dotnet run -c Release --project benchmarks/NetPerf.Benchmarks -- threshold-build [mode] [nodes...]   (Kubernetes' threshold cluster at a size: allocated, live heap, time)
//   dotnet run -c Release --project benchmarks/NetPerf.Benchmarks -- coefficients [ipvs]   (the scale model's coefficients; a proxy mode: only its Service and endpoint rows)
if (args is ["coefficients", ..])
{
    NetPerf.Benchmarks.Estimation.ScaleCoefficients.Run(Console.Out, args.Length > 1 ? args[1] : null);
    return;
}

if (args is ["rack-build", ..])
{
    NetPerf.Benchmarks.Kubernetes.RackClusterBuildBenchmarks.Measure(Console.Out, args[1..]);
    return;
}

if (args is ["threshold-build", ..])
{
    NetPerf.Benchmarks.Kubernetes.ThresholdClusterBuildBenchmarks.Measure(Console.Out, args[1..]);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
