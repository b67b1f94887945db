using NetPerf.Engine.Time;

namespace NetPerf.Samples.Exchange;

/// <summary>
/// A traffic matrix among <see cref="Nodes"/> store-and-forward nodes: each node originates messages as a Poisson
/// process, serves them one at a time, and hands each on for <see cref="Hops"/> hops, to itself (a zero-delay
/// re-queue) with probability <see cref="LocalShare"/> or else to a uniformly chosen other node over a link of
/// <see cref="LinkDelay"/> plus 0-2 ns. Every time is a whole number of nanoseconds, so many events share an
/// instant and the tie order is exercised on every run.
/// </summary>
/// <param name="WorkPerEvent">Arithmetic done per event (iterations of a hash), standing in for a packet's model work.</param>
/// <param name="Record">Keep every node's log (for the CSV); benchmarks turn it off so the run allocates nothing per event.</param>
public sealed record ExchangeParameters(
    int Nodes = 64,
    int Hops = 8,
    double LocalShare = 0.3,
    SimTime LinkDelay = default,
    SimTime MeanInterarrival = default,
    int WorkPerEvent = 0,
    ulong Seed = 1,
    bool Record = true)
{
    public SimTime Link => LinkDelay == SimTime.Zero ? SimTime.FromMicroseconds(2) : LinkDelay;

    public SimTime Interarrival => MeanInterarrival == SimTime.Zero ? SimTime.FromMicroseconds(1) : MeanInterarrival;
}
