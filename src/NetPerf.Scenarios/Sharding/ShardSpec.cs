using System.Globalization;

namespace NetPerf.Scenarios.Sharding;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> (1-based, as <c>--shard K/N</c> writes it): a deterministic share
/// of a run's simulations. The run's simulations are numbered in one stable order (variant, then workload, then
/// path, then replication, as the scenario lists them; then the BGP experiments), and simulation i belongs to the
/// shard whose index is (i mod N) + 1: round-robin, so every shard gets every variant's share and their run times
/// come out close. A Kubernetes Indexed Job's JOB_COMPLETION_INDEX is 0-based: K = JOB_COMPLETION_INDEX + 1.
/// </summary>
public readonly record struct ShardSpec(int Index, int Count)
{
    /// <summary>More shards than any sweep needs (a file makes at most 500 simulations); bounds the numbers read.</summary>
    public const int MaxCount = 100_000;

    /// <summary>Whether simulation <paramref name="simulation"/> (0-based, in the run's order) is this shard's.</summary>
    public bool Owns(int simulation) => simulation % Count == Index - 1;

    /// <summary>How many of <paramref name="total"/> simulations are this shard's.</summary>
    public int Share(int total) => total / Count + (total % Count >= Index ? 1 : 0);

    public override string ToString() => $"{Index}/{Count}";

    /// <summary>Reads K/N; null with what is wrong and what is allowed otherwise.</summary>
    public static ShardSpec? Parse(string text, out string? error)
    {
        error = null;
        int slash = text.IndexOf('/');
        if (slash < 0 || !int.TryParse(text.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out int k)
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
        {
            error = $"--shard '{Loading.Printable.Escape(text)}' is not K/N: give shard K of N as two whole numbers, 1 <= K <= N (e.g. --shard 1/3; in a Kubernetes Indexed Job K is JOB_COMPLETION_INDEX + 1)";
            return null;
        }

        if (n < 1 || n > MaxCount)
        {
            error = $"--shard {k}/{n}: N is the number of shards, 1 to 100,000";
            return null;
        }

        if (k < 1 || k > n)
        {
            error = $"--shard {k}/{n}: K is 1 to {n} (shards are counted from 1; in a Kubernetes Indexed Job K is JOB_COMPLETION_INDEX + 1, which runs 0 to N - 1)";
            return null;
        }

        return new ShardSpec(k, n);
    }
}
