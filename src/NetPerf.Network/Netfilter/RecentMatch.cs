using NetPerf.Engine.Time;

namespace NetPerf.Network.Netfilter;

/// <summary>
/// A list of recently seen source addresses, per network namespace (net/netfilter/xt_recent.c): <c>-m recent
/// --name NAME --set</c> records the packet's source now; <c>--rcheck --seconds S --reap</c> matches a source
/// recorded within the last S and forgets older entries. nftables' dynamic sets with a timeout (<c>update
/// @NAME { ip saddr }</c>, <c>ip saddr @NAME</c>) behave the same and are modelled by it too.
/// </summary>
/// <param name="Name">The list's name (kube-proxy names it after the endpoint's chain).</param>
/// <param name="Set">True: record the source (always matches); false: check it.</param>
/// <param name="Seconds">For a check: how long an entry holds.</param>
public readonly record struct RecentMatch(string Name, bool Set, SimTime Seconds)
{
    public static RecentMatch Record(string name) => new(name, true, SimTime.Zero);

    public static RecentMatch Check(string name, SimTime seconds) => new(name, false, seconds);
}
