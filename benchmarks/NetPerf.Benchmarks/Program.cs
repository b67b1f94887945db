using BenchmarkDotNet.Running;

// Examples:
//   dotnet run -c Release --project benchmarks/NetPerf.Benchmarks -- --filter '*HoldModel*' --job short
//   dotnet run -c Release --project benchmarks/NetPerf.Benchmarks -- --list flat
// CSV, Markdown and HTML reports land in BenchmarkDotNet.Artifacts/results/ (ignored by git).
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
