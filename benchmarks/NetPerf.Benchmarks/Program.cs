using BenchmarkDotNet.Running;

// Examples:
//   dotnet run -c Release --project benchmarks/NetPerf.Benchmarks -- --filter '*HoldModel*' --job short
//   dotnet run -c Release --project benchmarks/NetPerf.Benchmarks -- --list flat
// CSV, Markdown and HTML reports land in BenchmarkDotNet.Artifacts/results/ (ignored by git).
//   dotnet run -c Release --project benchmarks/NetPerf.Benchmarks -- rack-build [plugin] [nodes...]   (a cluster of nodes on racks: allocated, live heap, time)
//   dotnet run -c Release --project benchmarks/NetPerf.Benchmarks -- threshold-build [mode] [nodes...]   (Kubernetes' threshold cluster at a size: allocated, live heap, time)
//   dotnet run -c Release --project benchmarks/NetPerf.Benchmarks -- forward-loop [seconds]   (the forwarding benchmark's work in a loop, for a profiler)
//   dotnet run -c Release --project benchmarks/NetPerf.Benchmarks -- threshold-matrix [nodes] [racks]   (a traffic matrix on the threshold cluster: 10 ms simulated, wall time)
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

if (args is ["forward-loop", ..])
{
    // For a profiler: the forwarding benchmark's work, over and over, for the seconds given (default 20).
    var forwarding = new NetPerf.Benchmarks.Network.VxlanForwardingBenchmarks();
    forwarding.Setup();
    var until = DateTime.UtcNow.AddSeconds(args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20);
    var clock = System.Diagnostics.Stopwatch.StartNew();
    long rounds = 0;
    while (DateTime.UtcNow < until)
    {
        forwarding.SendAcrossVxlan();
        rounds++;
    }

    double perHop = clock.Elapsed.TotalNanoseconds / (rounds * NetPerf.Benchmarks.Network.VxlanForwardingBenchmarks.Packets * NetPerf.Benchmarks.Network.VxlanForwardingBenchmarks.HopsPerPacket);
    Console.WriteLine($"{perHop:F1} ns per packet-hop over {rounds} rounds");
    return;
}

if (args is ["threshold-matrix", ..])
{
    NetPerf.Benchmarks.Kubernetes.ThresholdTrafficMatrixBenchmarks.Measure(Console.Out, args[1..]);
    return;
}

if (args is ["threshold-build", ..])
{
    NetPerf.Benchmarks.Kubernetes.ThresholdClusterBuildBenchmarks.Measure(Console.Out, args[1..]);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
