using System.Globalization;

namespace NetPerf.Reporting.K8sNetperf;

/// <summary>
/// Go's text forms of a float64, which k8s-netperf's files are made of, byte for byte: strconv.FormatFloat(x,
/// 'f', -1, 64) (the shortest digits that read back, in fixed notation), fmt's %f (six decimals), fmt's %v (the
/// shortest digits, in %e form when the exponent is below -4 or at least 6, as strconv's 'g' decides for the
/// shortest precision in ftoa.go: fmt.Println(1e6) prints 1e+06), and encoding/json's number (fixed unless below 1e-6 or at least 1e21, then e-notation without a leading zero in
/// the exponent).
/// </summary>
public static class GoFormat
{
    /// <summary>The shortest round-trip digits of x and its decimal exponent: x = 0.d1d2d3... x 10^point.</summary>
    private static (string Digits, int Point) Shortest(double x)
    {
        // "R" is the shortest round-trip form in .NET Core 3.0 and later; take its digits and exponent.
        string shortest = Math.Abs(x).ToString("R", CultureInfo.InvariantCulture);
        string mantissa = shortest;
        int exp = 0;
        int e = shortest.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            mantissa = shortest[..e];
            exp = int.Parse(shortest[(e + 1)..], CultureInfo.InvariantCulture);
        }

        int dot = mantissa.IndexOf('.');
        string intPart = dot >= 0 ? mantissa[..dot] : mantissa;
        string frac = dot >= 0 ? mantissa[(dot + 1)..] : "";
        string digits = (intPart + frac).TrimStart('0');
        int point = intPart.TrimStart('0').Length + exp;
        if (intPart.TrimStart('0').Length == 0)
        {
            int zeros = frac.Length - frac.TrimStart('0').Length;
            point = -zeros + exp;
        }

        digits = digits.TrimEnd('0');
        return (digits.Length == 0 ? "0" : digits, digits.Length == 0 ? 1 : point);
    }

    private static string Fixed(string digits, int point)
    {
        if (point <= 0)
        {
            return "0." + new string('0', -point) + digits;
        }

        if (point >= digits.Length)
        {
            return digits + new string('0', point - digits.Length);
        }

        return digits[..point] + "." + digits[point..];
    }

    private static string Exponent(string digits, int point, bool twoDigitExponent)
    {
        int exp = point - 1;
        string mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
        string e = Math.Abs(exp).ToString(CultureInfo.InvariantCulture);
        if (twoDigitExponent && e.Length < 2)
        {
            e = "0" + e;
        }

        return $"{mantissa}e{(exp < 0 ? '-' : '+')}{e}";
    }

    private static string Sign(double x, string text) => x < 0 || (x == 0 && double.IsNegative(x)) ? "-" + text : text;

    /// <summary>strconv.FormatFloat(x, 'f', -1, 64).</summary>
    public static string FixedShortest(double x)
    {
        if (x == 0)
        {
            return Sign(x, "0");
        }

        var (d, p) = Shortest(x);
        return Sign(x, Fixed(d, p));
    }

    /// <summary>fmt.Sprintf("%f", x).</summary>
    public static string F(double x) => x.ToString("F6", CultureInfo.InvariantCulture);

    /// <summary>
    /// fmt.Sprint(x), %v: strconv's 'g' with the shortest precision ("if precision was the shortest possible, use
    /// precision 6 for this decision", ftoa.go): an exponent below -4, or 6 and above, is written as %e.
    /// </summary>
    public static string V(double x)
    {
        if (x == 0)
        {
            return Sign(x, "0");
        }

        var (d, p) = Shortest(x);
        int exp = p - 1;
        return Sign(x, exp < -4 || exp >= 6 ? Exponent(d, p, twoDigitExponent: true) : Fixed(d, p));
    }

    /// <summary>encoding/json's float64: 'f' for 1e-6 &lt;= |x| &lt; 1e21, else 'e' with the exponent's leading zero dropped.</summary>
    public static string Json(double x)
    {
        if (x == 0)
        {
            return Sign(x, "0");
        }

        var (d, p) = Shortest(x);
        double a = Math.Abs(x);
        return Sign(x, a < 1e-6 || a >= 1e21 ? Exponent(d, p, twoDigitExponent: false) : Fixed(d, p));
    }
}
