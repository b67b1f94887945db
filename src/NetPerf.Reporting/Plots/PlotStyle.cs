using System.Text.RegularExpressions;
using ScottPlot;
using SkiaSharp;

namespace NetPerf.Reporting.Plots;

/// <summary>Colours, line patterns, the font and the SVG clean-up every plot shares.</summary>
internal static partial class PlotStyle
{
    public const int Width = 800;
    public const int Height = 500;

    // Colour-blind-safe categorical palette (Okabe & Ito, "Color Universal Design", 2008), yellow last: it is
    // the hardest to see on white.
    private static readonly Color[] Palette = Color.FromHex(
    [
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000", "#F0E442", "#882255", "#44AA99", "#999933", "#332288",
    ]);

    private static readonly LinePattern[] Patterns =
        [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];

    /// <summary>
    /// One colour per CNI, the same for a plugin in every plot of every run: the plugins the simulator knows
    /// bring their own (<paramref name="known"/>, from its registry); others take the palette's colours no known
    /// plugin has, in name order.
    /// </summary>
    public static IReadOnlyDictionary<string, Color> CniColours(IEnumerable<string> cnis, IReadOnlyDictionary<string, string> known)
    {
        var colours = new Dictionary<string, Color>(StringComparer.Ordinal);
        var unknown = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string cni in cnis)
        {
            if (known.TryGetValue(cni, out string? hex))
                colours[cni] = Color.FromHex(hex);
            else
                unknown.Add(cni);
        }
        var taken = known.Values.Select(Color.FromHex).ToHashSet();
        var free = Palette.Where(c => !taken.Contains(c)).ToList();
        if (free.Count == 0)
            free = [.. Palette];
        int next = 0;
        foreach (string cni in unknown)
            colours[cni] = free[next++ % free.Count];
        return colours;
    }

    /// <summary>The k-th variant of one CNI on a plot: solid, dashed, dotted, densely dashed, then round again.</summary>
    public static LinePattern Pattern(int indexWithinCni) => Patterns[indexWithinCni % Patterns.Length];

    /// <summary>The k-th variant of one CNI in a bar plot: the CNI's colour, lighter for each further variant.</summary>
    public static Color Shade(Color cniColour, int indexWithinCni) =>
        indexWithinCni == 0 ? cniColour : cniColour.Lighten(Math.Min(0.8, 0.3 * indexWithinCni));

    /// <summary>
    /// The font family to draw with. SkiaSharp's Linux build (NativeAssets.Linux.NoDependencies) finds fonts by
    /// scanning /usr/share/fonts, without fontconfig; a family it lacks falls back to its default typeface, and
    /// with no font files at all text is silently left out (nothing throws). DejaVu Sans comes with Debian's
    /// fonts-dejavu-core, which fontconfig (hence nearly every Debian image) depends on.
    /// </summary>
    public static string FontFamily { get; } = ChooseFont();

    /// <summary>False when the machine has no font files: plots are then drawn without any text.</summary>
    public static bool FontsAvailable { get; } = FontFamily.Length > 0;

    private static string ChooseFont()
    {
        var installed = new HashSet<string>(SKFontManager.Default.FontFamilies, StringComparer.OrdinalIgnoreCase);
        foreach (string family in (string[])["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica"])
        {
            if (installed.Contains(family))
                return family;
        }
        // Any installed family, in a fixed order so the choice does not depend on directory listing order;
        // "" when there is none at all.
        return installed.Order(StringComparer.Ordinal).FirstOrDefault() ?? "";
    }

    public static void Apply(Plot plot)
    {
        if (FontsAvailable)
            plot.Font.Set(FontFamily);
    }

    /// <summary>
    /// Skia's SVG canvas numbers clip paths from a process-wide counter (cl_7, cl_a ...), so the same plot drawn
    /// twice differs, and two SVGs inlined in one HTML page can share an id and clip each other's data. Renumber
    /// them in order of appearance under a prefix unique to the plot.
    /// </summary>
    public static string NormaliseSvg(string svg, string idPrefix)
    {
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        return ClipId().Replace(svg, match =>
        {
            string id = match.Value;
            if (!renamed.TryGetValue(id, out string? replacement))
            {
                replacement = $"{idPrefix}-clip{renamed.Count + 1}";
                renamed.Add(id, replacement);
            }
            return replacement;
        });
    }

    [GeneratedRegex(@"\bcl_[0-9a-zA-Z]+\b")]
    private static partial Regex ClipId();
}
