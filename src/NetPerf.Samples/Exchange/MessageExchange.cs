using System.Globalization;
using System.Text;
using NetPerf.Engine.Random;
using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Scheduling.Partitioning;
using NetPerf.Engine.Time;

namespace NetPerf.Samples.Exchange;

/// <summary>
/// A many-node traffic matrix on the engine alone, run on the sequential <see cref="Simulator"/> or on a
/// <see cref="PartitionedSimulation"/> whose nodes are split into contiguous blocks (racks). The lookahead is
/// the link delay, the smallest delay between nodes; every node-to-node hop crosses a link, so with P
/// partitions about (1 - 1/P) of those hops cross partitions.
/// </summary>
public sealed class MessageExchange
{
    private readonly ExchangeNode[] _nodes; // index = entity; 0 (the driver) unused
    private readonly Simulator? _sequential;
    private readonly PartitionedSimulation? _partitioned;

    /// <param name="partitions">0: the sequential engine; 1 or more: a partitioned run with that many threads.</param>
    public MessageExchange(ExchangeParameters p, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(p.Nodes, 2);
        var streams = new RngStreams(p.Seed);
        _nodes = new ExchangeNode[p.Nodes + 1];
        if (partitions == 0)
        {
            _sequential = new Simulator();
        }
        else
        {
            var map = new int[p.Nodes + 1];
            for (int e = 1; e <= p.Nodes; e++)
            {
                map[e] = (int)((e - 1L) * partitions / p.Nodes);
            }

            _partitioned = new PartitionedSimulation(map, partitions, p.Link);
        }

        for (int e = 1; e <= p.Nodes; e++)
        {
            _nodes[e] = new ExchangeNode(_sequential ?? _partitioned!.SimulatorOf(e), e, p, _nodes, streams);
        }

        for (int e = 1; e <= p.Nodes; e++)
        {
            _nodes[e].Start((entity, at, handler, kind) =>
            {
                if (_sequential is not null)
                {
                    _sequential.ScheduleOn(entity, at, handler, kind);
                }
                else
                {
                    _partitioned!.ScheduleOn(entity, at, handler, kind);
                }
            });
        }
    }

    public PartitionedSimulation? Partitioned => _partitioned;

    public long ExecutedEvents => _sequential?.ExecutedEvents ?? _partitioned!.ExecutedEvents;

    /// <summary>Node-to-node hops (all over links).</summary>
    public long HopsAcrossLinks => _nodes.Skip(1).Sum(n => n.SentAcross);

    public void RunUntil(SimTime until)
    {
        if (_sequential is not null)
        {
            _sequential.RunUntil(until);
        }
        else
        {
            _partitioned!.RunUntil(until);
        }
    }

    /// <summary>Every node's log as CSV (node, index, time_ps, kind, message), node by node.</summary>
    public string Csv()
    {
        var sb = new StringBuilder("node,index,time_ps,kind,message\n");
        for (int e = 1; e < _nodes.Length; e++)
        {
            var log = _nodes[e].Log;
            for (int i = 0; i < log.Count; i++)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{e},{i},{log[i].At},{log[i].Kind},{log[i].Message}\n");
            }
        }

        return sb.ToString();
    }

    public ulong WorkDone => _nodes.Skip(1).Aggregate(0UL, (a, n) => a ^ n.WorkDone);
}
