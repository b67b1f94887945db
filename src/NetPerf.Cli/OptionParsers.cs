using System.CommandLine.Parsing;
using System.Globalization;
using NetPerf.Engine.Time;
using NetPerf.Scenarios.Loading;

namespace NetPerf.Cli;

/// <summary>
/// Parsers for option values that say what was given, what is wrong and what is allowed, instead of an
/// exception: the message names the option and the accepted range or format.
/// </summary>
internal static class OptionParsers
{
    public static Func<ArgumentResult, double> OpenInterval(string option, double low, double high, string example) => r =>
    {
        string token = LastToken(r);
        if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > low && v < high)
        {
            return v;
        }

        r.AddError($"{option} '{token}' is not allowed: give a number strictly between {Num(low)} and {Num(high)} (e.g. {example}).");
        return default;
    };

    public static Func<ArgumentResult, long> AtLeast(string option, long min, string why) => r =>
    {
        string token = LastToken(r);
        if (long.TryParse(token.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) && v >= min)
        {
            return v;
        }

        r.AddError($"{option} '{token}' is not allowed: give a whole number of at least {min} ({why}).");
        return default;
    };

    /// <summary>--shard K/N: shard K of N, 1 &lt;= K &lt;= N; anything else is refused, saying what is allowed.</summary>
    public static Scenarios.Sharding.ShardSpec? Shard(ArgumentResult r)
    {
        var spec = Scenarios.Sharding.ShardSpec.Parse(LastToken(r), out string? error);
        if (spec is null)
        {
            r.AddError(error! + ".");
        }

        return spec;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>; anything else is refused, saying what is allowed.</summary>
    public static Func<ArgumentResult, int> Between(string option, int min, int max, string why) => r =>
    {
        string token = LastToken(r);
        if (int.TryParse(token.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= min && v <= max)
        {
            return v;
        }

        r.AddError($"{option} '{token}' is not allowed: give a whole number from {min} to {max} ({why}).");
        return default;
    };

    /// <summary>
    /// A memory size: bytes with a unit (KiB, MiB, GiB, TiB; K, M, G, T and KB, MB, GB, TB read as the same binary
    /// units, as free(1) and Kubernetes' Gi do not agree on them) or a percentage of this machine's memory.
    /// </summary>
    public static Func<ArgumentResult, long?> MemorySize(string option) => r =>
    {
        string token = LastToken(r);
        var m = System.Text.RegularExpressions.Regex.Match(token, @"^\s*([0-9]+(?:\.[0-9]+)?)\s*(%|[KMGT]i?B?|B)?\s*$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        if (m.Success && double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0)
        {
            string unit = m.Groups[2].Value.ToUpperInvariant();
            double bytes = unit switch
            {
                "%" => v / 100 * GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
                "" or "B" => v,
                _ => v * Math.Pow(1024, "KMGT".IndexOf(unit[0], StringComparison.Ordinal) + 1),
            };
            if (bytes is >= 1 << 20 and < long.MaxValue && (unit != "%" || v <= 100))
            {
                return (long)bytes;
            }
        }

        r.AddError($"{option} '{token}' is not allowed: give a size of at least 1 MiB with its unit (e.g. 8GiB, 512MiB) or a share of this machine's memory up to 100% (e.g. 50%).");
        return null;
    };

    public static Func<ArgumentResult, SimTime> PositiveTime(string option) => r =>
    {
        string token = LastToken(r);
        if (SimTime.TryParse(token, out var t) && t > SimTime.Zero)
        {
            return t;
        }

        r.AddError($"{option} '{token}' is not a positive time: give a number and one of the units s, ms, us, ns, ps (e.g. \"1 us\").");
        return default;
    };

    /// <summary>
    /// An enum value by its name, any case; otherwise the option, the value, the closest name and every allowed
    /// one (System.CommandLine's own message names the internal type instead).
    /// </summary>
    public static Func<ArgumentResult, T> Enum<T>(string option)
        where T : struct, System.Enum => r =>
    {
        string token = LastToken(r);
        var names = System.Enum.GetNames<T>();
        if (names.FirstOrDefault(n => string.Equals(n, token, StringComparison.OrdinalIgnoreCase)) is { } name)
        {
            return System.Enum.Parse<T>(name);
        }

        r.AddError($"{option} '{token}' is not allowed{DidYouMean.Suggest(token, names)}; allowed: {string.Join(", ", names)}.");
        return default;
    };

    /// <summary>Every value of a many-valued option among the allowed words, each refused with the closest word and every allowed one.</summary>
    public static Action<OptionResult> OnlyAmong(string option, IReadOnlyList<string> allowed) => r =>
    {
        foreach (var token in r.Tokens.Select(t => t.Value).Where(v => !allowed.Contains(v)))
        {
            r.AddError($"{option} '{token}' is not allowed{DidYouMean.Suggest(token, allowed)}; allowed: {string.Join(", ", allowed)}.");
        }
    };

    private static string LastToken(ArgumentResult r) => r.Tokens.Count == 0 ? "" : r.Tokens[^1].Value;

    private static string Num(double v) => v.ToString(CultureInfo.InvariantCulture);
}
