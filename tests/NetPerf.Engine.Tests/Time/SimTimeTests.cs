using CsCheck;
using NetPerf.Engine.Time;

namespace NetPerf.Engine.Tests.Time;

public class SimTimeTests
{
    [Fact]
    public void A_64_byte_frame_at_400_Gbps_serialises_in_1280_picoseconds()
    {
        // (64 + 20 B preamble and gap) x 8 bit / 400e9 bit/s = 1.68 ns; the 64 B alone take 1.28 ns.
        var t = SimTime.FromSeconds(64 * 8 / 400e9);
        Assert.Equal(1280, t.Picoseconds);
        Assert.Equal("1.28 ns", t.ToString());
    }

    [Fact]
    public void Units_convert_by_powers_of_a_thousand()
    {
        Assert.Equal(SimTime.FromNanoseconds(1_000), SimTime.FromMicroseconds(1));
        Assert.Equal(SimTime.FromMicroseconds(1_000), SimTime.FromMilliseconds(1));
        Assert.Equal(SimTime.FromMilliseconds(1_000), SimTime.FromSeconds(1));
        Assert.Equal(1e12, SimTime.FromSeconds(1).Picoseconds);
        Assert.Equal(2.5, SimTime.FromMicroseconds(2.5).TotalMicroseconds);
    }

    [Fact]
    public void Overflowing_arithmetic_throws_instead_of_wrapping_into_the_past()
    {
        Assert.Throws<OverflowException>(() => SimTime.MaxValue + SimTime.FromPicoseconds(1));
        Assert.Throws<OverflowException>(() => SimTime.FromSeconds(1) * long.MaxValue);
        Assert.Throws<OverflowException>(() => SimTime.FromSeconds(1e7)); // 116 days > 2^63 ps
        Assert.Throws<OverflowException>(() => SimTime.FromSeconds(double.NaN));
        Assert.Throws<OverflowException>(() => SimTime.FromNanoseconds(long.MaxValue));
    }

    [Fact]
    public void The_largest_time_is_about_106_days()
    {
        Assert.InRange(SimTime.MaxValue.TotalSeconds / 86_400, 106, 107);
    }

    [Theory]
    [InlineData(0L, "0 s")]
    [InlineData(750L, "750 ps")]
    [InlineData(12_500_000L, "12.5 us")]
    [InlineData(3_000_000_000L, "3 ms")]
    [InlineData(2_000_000_000_001L, "2.000000000001 s")]
    [InlineData(-1_500L, "-1.5 ns")]
    public void Formats_in_the_largest_whole_unit_without_losing_digits(long ps, string text)
    {
        Assert.Equal(text, new SimTime(ps).ToString());
    }

    [Fact]
    public void Text_round_trips_for_every_time()
    {
        Gen.Long.Sample(ps =>
        {
            var t = new SimTime(ps == long.MinValue ? 0 : ps);
            Assert.Equal(t, SimTime.Parse(t.ToString()));
        });
    }

    [Theory]
    [InlineData("10")]
    [InlineData("10 parsecs")]
    [InlineData("fast")]
    [InlineData("")]
    public void Parse_rejects_text_without_a_known_unit_and_says_which_are_allowed(string text)
    {
        var e = Assert.Throws<FormatException>(() => SimTime.Parse(text));
        Assert.Contains("s, ms, us, ns, ps", e.Message);
    }
}
