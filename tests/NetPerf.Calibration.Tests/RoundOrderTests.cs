namespace NetPerf.Calibration.Tests;

/// <summary>
/// The order calibrate measures its paths in within a round. A machine's state drifts within a round (caches warm,
/// another program wakes), so a paired difference between two paths is biased if one of them is always measured
/// first: over every two rounds each pair of paths is measured in both orders, and every path once a round.
/// </summary>
public class RoundOrderTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(31)]
    public void Every_pair_of_paths_is_measured_in_both_orders_over_two_rounds_and_every_path_once_a_round(int paths)
    {
        for (int round = 0; round < 6; round += 2)
        {
            var first = Calibrator.RoundOrder(round, paths).ToList();
            var second = Calibrator.RoundOrder(round + 1, paths).ToList();
            Assert.Equal(Enumerable.Range(0, paths), first.Order());
            Assert.Equal(Enumerable.Range(0, paths), second.Order());
            for (int a = 0; a < paths; a++)
            {
                for (int b = a + 1; b < paths; b++)
                {
                    bool aFirst = first.IndexOf(a) < first.IndexOf(b);
                    bool aFirstNext = second.IndexOf(a) < second.IndexOf(b);
                    Assert.True(aFirst != aFirstNext, $"paths {a} and {b} measured in the same order in rounds {round} and {round + 1}");
                }
            }
        }
    }

    [Fact]
    public void A_path_does_not_always_open_the_rounds()
    {
        // A round's first path runs on a machine just back from the previous round's last: the rounds rotate.
        var openers = Enumerable.Range(0, 8).Select(r => Calibrator.RoundOrder(r, 7).First()).Distinct().Count();
        Assert.True(openers >= 4, $"only {openers} distinct paths open 8 rounds of 7 paths");
    }
}
