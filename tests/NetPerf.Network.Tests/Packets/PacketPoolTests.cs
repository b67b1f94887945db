using NetPerf.Network.Packets;

namespace NetPerf.Network.Tests.Packets;

public class PacketPoolTests
{
    [Fact]
    public void Returned_packets_are_reused_cleared_and_the_pool_stops_growing_at_the_peak_in_flight()
    {
        var pool = new PacketPool(initialCapacity: 4);
        for (int round = 0; round < 100; round++)
        {
            var ids = Enumerable.Range(0, 10).Select(_ => pool.Rent()).ToArray();
            foreach (int id in ids)
            {
                Assert.Equal(0, pool[id].PayloadBytes);
                pool[id].PayloadBytes = 1000;
            }

            foreach (int id in ids)
            {
                pool.Return(id);
            }
        }

        Assert.Equal(16, pool.Capacity);
        Assert.Equal(0, pool.InUse);
    }

    [Fact]
    public void Returning_a_packet_twice_is_an_error()
    {
        var pool = new PacketPool();
        int id = pool.Rent();
        pool.Return(id);
        Assert.Throws<InvalidOperationException>(() => pool.Return(id));
    }
}
