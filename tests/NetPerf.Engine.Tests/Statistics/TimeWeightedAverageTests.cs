using NetPerf.Engine.Statistics;
using NetPerf.Engine.Time;

namespace NetPerf.Engine.Tests.Statistics;

public class TimeWeightedAverageTests
{
    [Fact]
    public void A_queue_length_of_two_for_three_seconds_then_five_for_one_averages_two_and_three_quarters()
    {
        var q = new TimeWeightedAverage(SimTime.Zero, 2);
        q.Update(SimTime.FromSeconds(3), 5);
        Assert.Equal(2.75, q.Average(SimTime.FromSeconds(4)), 12);
        Assert.Equal(5, q.Max);
    }

    [Fact]
    public void Reset_at_the_end_of_warm_up_forgets_the_past_but_keeps_the_current_value()
    {
        var q = new TimeWeightedAverage(SimTime.Zero);
        q.Add(SimTime.FromSeconds(1), 10);
        q.Reset(SimTime.FromSeconds(2));
        q.Add(SimTime.FromSeconds(3), -10);
        Assert.Equal(5, q.Average(SimTime.FromSeconds(4)), 12);
    }

    [Fact]
    public void Time_going_backwards_is_an_error_for_updates_and_resets()
    {
        var q = new TimeWeightedAverage(SimTime.FromSeconds(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => q.Update(SimTime.Zero, 1));
        q.Update(SimTime.FromSeconds(5), 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => q.Reset(SimTime.FromSeconds(2)));
    }
}
