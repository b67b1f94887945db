using System.CommandLine.Parsing;
using System.Globalization;

namespace NetPerf.Cli.Diff;

/// <summary>
/// <c>--fail-above</c>'s value: a percentage written with its sign (<c>5%</c>, <c>2.5%</c>). The sign is required
/// because a bare number is ambiguous, <c>0.05</c> reading as 5% to some and 0.05% to others, and a regression
/// gate that silently took the wrong one would pass what it should fail.
/// </summary>
public readonly record struct FailThreshold(double Percent)
{
    public const double MaxPercent = 1000;

    public double Fraction => Percent / 100;

    public override string ToString() => Percent.ToString("0.###", CultureInfo.InvariantCulture) + "%";

    public static bool TryParse(string text, out FailThreshold threshold)
    {
        threshold = default;
        string t = text.Trim();
        if (!t.EndsWith('%')
            || !double.TryParse(t.AsSpan(0, t.Length - 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double p)
            || !(p >= 0 && p <= MaxPercent))
        {
            return false;
        }

        threshold = new FailThreshold(p);
        return true;
    }

    /// <summary>For System.CommandLine: refuses anything else with what is allowed (exit 2).</summary>
    public static FailThreshold Parse(ArgumentResult r)
    {
        string token = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
        if (TryParse(token, out var threshold))
        {
            return threshold;
        }

        r.AddError($"--fail-above {Scenarios.Loading.Printable.Quote(Scenarios.Loading.Printable.Escape(token))} is not allowed: give a percentage with its % sign, from 0% to {MaxPercent:0}% (e.g. 5% or 2.5%).");
        return default;
    }
}
