using System.Globalization;

namespace NetPerf.Engine.Time;

/// <summary>
/// A point in (or span of) simulated time: a signed 64-bit count of picoseconds.
/// </summary>
/// <remarks>
/// Picoseconds because serialising one 64-byte frame at 400 Gbit/s takes 1.28 ns: nanoseconds would round
/// every such frame by a fifth. 2^63 ps is about 106 days of simulated time, far beyond any run.
/// Arithmetic is checked: an overflow throws instead of wrapping into the past.
/// </remarks>
public readonly struct SimTime : IEquatable<SimTime>, IComparable<SimTime>, IComparable
{
    public const long PicosecondsPerNanosecond = 1_000;
    public const long PicosecondsPerMicrosecond = 1_000_000;
    public const long PicosecondsPerMillisecond = 1_000_000_000;
    public const long PicosecondsPerSecond = 1_000_000_000_000;

    public static readonly SimTime Zero = new(0);
    public static readonly SimTime MaxValue = new(long.MaxValue);

    public SimTime(long picoseconds) => Picoseconds = picoseconds;

    public long Picoseconds { get; }

    public double TotalNanoseconds => (double)Picoseconds / PicosecondsPerNanosecond;
    public double TotalMicroseconds => (double)Picoseconds / PicosecondsPerMicrosecond;
    public double TotalMilliseconds => (double)Picoseconds / PicosecondsPerMillisecond;
    public double TotalSeconds => (double)Picoseconds / PicosecondsPerSecond;

    public static SimTime FromPicoseconds(long ps) => new(ps);
    public static SimTime FromNanoseconds(long ns) => new(checked(ns * PicosecondsPerNanosecond));
    public static SimTime FromMicroseconds(long us) => new(checked(us * PicosecondsPerMicrosecond));
    public static SimTime FromMilliseconds(long ms) => new(checked(ms * PicosecondsPerMillisecond));
    public static SimTime FromSeconds(long s) => new(checked(s * PicosecondsPerSecond));

    /// <summary>Rounds to the nearest picosecond; throws if the value is not finite or out of range.</summary>
    public static SimTime FromNanoseconds(double ns) => FromScaled(ns, PicosecondsPerNanosecond);
    public static SimTime FromMicroseconds(double us) => FromScaled(us, PicosecondsPerMicrosecond);
    public static SimTime FromMilliseconds(double ms) => FromScaled(ms, PicosecondsPerMillisecond);
    public static SimTime FromSeconds(double s) => FromScaled(s, PicosecondsPerSecond);

    private static SimTime FromScaled(double value, long scale)
    {
        double ps = Math.Round(value * scale, MidpointRounding.ToEven);
        // 2^63 is exactly representable; anything at or beyond it does not fit a long.
        if (!double.IsFinite(ps) || ps >= 9.2233720368547758E18 || ps < -9.2233720368547758E18)
        {
            throw new OverflowException(
                $"{value.ToString(CultureInfo.InvariantCulture)} x {scale} ps is outside the range of SimTime (+/- about 106 days).");
        }

        return new SimTime((long)ps);
    }

    public static SimTime operator +(SimTime a, SimTime b) => new(checked(a.Picoseconds + b.Picoseconds));
    public static SimTime operator -(SimTime a, SimTime b) => new(checked(a.Picoseconds - b.Picoseconds));
    public static SimTime operator -(SimTime a) => new(checked(-a.Picoseconds));
    public static SimTime operator *(SimTime a, long k) => new(checked(a.Picoseconds * k));
    public static SimTime operator *(long k, SimTime a) => new(checked(a.Picoseconds * k));
    public static SimTime operator /(SimTime a, long k) => new(a.Picoseconds / k);
    public static double operator /(SimTime a, SimTime b) => (double)a.Picoseconds / b.Picoseconds;

    public static bool operator ==(SimTime a, SimTime b) => a.Picoseconds == b.Picoseconds;
    public static bool operator !=(SimTime a, SimTime b) => a.Picoseconds != b.Picoseconds;
    public static bool operator <(SimTime a, SimTime b) => a.Picoseconds < b.Picoseconds;
    public static bool operator >(SimTime a, SimTime b) => a.Picoseconds > b.Picoseconds;
    public static bool operator <=(SimTime a, SimTime b) => a.Picoseconds <= b.Picoseconds;
    public static bool operator >=(SimTime a, SimTime b) => a.Picoseconds >= b.Picoseconds;

    public static SimTime Min(SimTime a, SimTime b) => a.Picoseconds <= b.Picoseconds ? a : b;
    public static SimTime Max(SimTime a, SimTime b) => a.Picoseconds >= b.Picoseconds ? a : b;

    public bool Equals(SimTime other) => Picoseconds == other.Picoseconds;
    public override bool Equals(object? obj) => obj is SimTime other && Equals(other);
    public override int GetHashCode() => Picoseconds.GetHashCode();
    public int CompareTo(SimTime other) => Picoseconds.CompareTo(other.Picoseconds);

    public int CompareTo(object? obj) => obj switch
    {
        null => 1,
        SimTime other => CompareTo(other),
        _ => throw new ArgumentException("Object must be a SimTime.", nameof(obj)),
    };

    /// <summary>
    /// The largest unit in which the value is at least 1, with up to three decimals and no trailing zeros:
    /// "0 s", "750 ps", "1.28 ns", "12.5 us", "3 ms", "2.000001 s" when exact digits are needed.
    /// </summary>
    public override string ToString() => SimTimeFormat.Format(Picoseconds);

    /// <summary>Parses what <see cref="ToString"/> writes ("1.5 us", "250ns", "3 ms", "42 ps", "2 s").</summary>
    public static SimTime Parse(string text) =>
        TryParse(text, out var t) ? t : throw new FormatException(SimTimeFormat.ParseError(text));

    public static bool TryParse(string? text, out SimTime time) => SimTimeFormat.TryParse(text, out time);
}
