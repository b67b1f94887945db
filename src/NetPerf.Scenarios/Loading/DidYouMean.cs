namespace NetPerf.Scenarios.Loading;

/// <summary>
/// "Did you mean": the closest allowed word to a mistyped one, for the scenario reader and the command line
/// alike, so a typo reads the same wherever it is made.
/// </summary>
public static class DidYouMean
{
    /// <summary>Longest word compared: the allowed words are short, and the work grows with the square.</summary>
    public const int MaxSuggested = 64;

    /// <summary>
    /// " (did you mean 'x'?)" for the closest allowed word within a third of its length, or else for the one allowed
    /// word that the given one (three characters at least) abbreviates ('expo' for exponential); "" when none is close.
    /// </summary>
    public static string Suggest(string given, IEnumerable<string> allowed)
    {
        if (given.Length > MaxSuggested)
        {
            return "";
        }

        // MinBy of value tuples throws on an empty list (a pod with no named ports): nothing allowed, nothing suggested.
        var scored = allowed.Where(a => a.Length <= MaxSuggested).Select(a => (a, d: Distance(given.ToLowerInvariant(), a.ToLowerInvariant()))).ToList();
        if (scored.Count == 0)
        {
            return "";
        }

        var best = scored.MinBy(x => x.d);
        if (best.a is not null && best.d <= Math.Max(1, best.a.Length / 3))
        {
            return $" (did you mean '{best.a}'?)";
        }

        var abbreviated = given.Length >= 3 ? allowed.Where(a => a.Length <= MaxSuggested && a.StartsWith(given, StringComparison.OrdinalIgnoreCase)).Take(2).ToList() : [];
        return abbreviated.Count == 1 ? $" (did you mean '{abbreviated[0]}'?)" : "";
    }

    /// <summary>
    /// Edit distance with adjacent transpositions counted as one edit (optimal string alignment, Damerau's
    /// commonest typing slip: "jsno" is one edit from "json", not two), three rows at a time.
    /// </summary>
    private static int Distance(string a, string b)
    {
        var twoBack = new int[b.Length + 1];
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    current[j] = Math.Min(current[j], twoBack[j - 2] + 1);
                }
            }

            (twoBack, previous, current) = (previous, current, twoBack);
        }

        return previous[b.Length];
    }
}
