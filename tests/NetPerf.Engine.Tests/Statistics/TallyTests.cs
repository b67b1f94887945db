using NetPerf.Engine.Statistics;

namespace NetPerf.Engine.Tests.Statistics;

public class TallyTests
{
    [Fact]
    public void Variance_stays_exact_for_large_values_where_the_sum_of_squares_cancels()
    {
        // 1e9 + {4, 7, 13, 16}: variance 30, which sum(x^2) - n mean^2 in doubles gets badly wrong.
        var t = new Tally();
        foreach (double x in new[] { 4.0, 7, 13, 16 })
        {
            t.Add(1e9 + x);
        }

        Assert.Equal(30, t.Variance, 6);
        Assert.Equal(1e9 + 10, t.Mean, 6);
        Assert.Equal(1e9 + 4, t.Min);
        Assert.Equal(1e9 + 16, t.Max);
    }
}
