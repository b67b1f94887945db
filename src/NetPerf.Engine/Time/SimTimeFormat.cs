using System.Globalization;

namespace NetPerf.Engine.Time;

/// <summary>Text form of <see cref="SimTime"/>: exact (no digits lost) and culture-invariant.</summary>
internal static class SimTimeFormat
{
    private static readonly (string Unit, long Scale)[] Units =
    [
        ("s", SimTime.PicosecondsPerSecond),
        ("ms", SimTime.PicosecondsPerMillisecond),
        ("us", SimTime.PicosecondsPerMicrosecond),
        ("ns", SimTime.PicosecondsPerNanosecond),
        ("ps", 1),
    ];

    public static string Format(long ps)
    {
        if (ps == 0)
        {
            return "0 s";
        }

        // long.MinValue has no positive counterpart; it is never a real time, print it raw.
        if (ps == long.MinValue)
        {
            return ps.ToString(CultureInfo.InvariantCulture) + " ps";
        }

        ulong magnitude = (ulong)Math.Abs(ps);
        foreach (var (unit, scale) in Units)
        {
            if (magnitude >= (ulong)scale)
            {
                // Decimal arithmetic keeps every picosecond: the text round-trips through Parse.
                decimal value = (decimal)ps / scale;
                return value.ToString("0.############", CultureInfo.InvariantCulture) + " " + unit;
            }
        }

        throw new InvalidOperationException("unreachable: every non-zero magnitude is at least 1 ps");
    }

    public static bool TryParse(string? text, out SimTime time)
    {
        time = SimTime.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string s = text.Trim();
        int split = s.Length;
        while (split > 0 && char.IsLetter(s[split - 1]))
        {
            split--;
        }

        string unit = s[split..];
        string number = s[..split].Trim();
        long scale = 0;
        foreach (var (name, value) in Units)
        {
            if (string.Equals(name, unit, StringComparison.Ordinal))
            {
                scale = value;
            }
        }

        if (scale == 0 || !decimal.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal amount))
        {
            return false;
        }

        try
        {
            decimal ps = decimal.Round(amount * scale, 0, MidpointRounding.ToEven);
            time = new SimTime(decimal.ToInt64(ps));
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    public static string ParseError(string? text) =>
        $"'{text}' is not a time: expected a number and one of the units s, ms, us, ns, ps (e.g. \"1.5 us\").";
}
