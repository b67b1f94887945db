using MathNet.Numerics.Distributions;
using NetPerf.Engine.Random;
using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Statistics;
using NetPerf.Engine.Time;

namespace NetPerf.Samples.Queueing;

/// <summary>
/// An M/G/1 FIFO queue built on the engine: arrivals and departures are events, customers wait in a FIFO of
/// arrival times. It measures the waiting time in queue (Wq) by batch means, the time-average number waiting
/// (Lq) independently of Wq, and the sojourn-time distribution, and compares Wq with Pollaczek-Khinchine.
/// </summary>
public sealed class SingleServerQueue : IEventHandler
{
    private const int Arrival = 0;
    private const int Departure = 1;

    private readonly QueueParameters _p;
    private readonly Simulator _sim = new();
    private readonly RngStream _arrivalRng;
    private readonly RngStream _serviceRng;
    private readonly double _meanInterarrivalPs;
    private readonly Queue<long> _waiting = new();  // arrival times, in picoseconds
    private readonly BatchMeans _waitSeconds = new(minBatches: 32);
    private readonly LatencyHistogram _sojourn = new();
    private readonly TimeWeightedAverage _inQueue;
    private readonly TimeWeightedAverage _busy;
    private long _inServiceArrival;
    private bool _serverBusy;
    private long _served;
    private long _measuredArrivals;
    private SimTime _measureStart;

    public SingleServerQueue(QueueParameters parameters)
    {
        parameters.Validate();
        _p = parameters;
        var streams = new RngStreams(parameters.Seed);
        _arrivalRng = streams.Create("queue/arrivals");
        _serviceRng = streams.Create("queue/service");
        _meanInterarrivalPs = parameters.MeanService.Picoseconds / parameters.Utilisation;
        _inQueue = new TimeWeightedAverage(SimTime.Zero);
        _busy = new TimeWeightedAverage(SimTime.Zero);
    }

    public QueueReport Run()
    {
        _sim.Schedule(NextInterarrival(), this, Arrival);
        _sim.Run();
        SimTime measured = _sim.Now - _measureStart;
        return new QueueReport(
            _p,
            _waitSeconds.Interval(0.95),
            _p.AnalyticWaitInQueueSeconds(),
            _inQueue.Average(_sim.Now),
            _measuredArrivals / measured.TotalSeconds,
            _busy.Average(_sim.Now),
            _sojourn.Percentile(40),
            _sojourn.Percentile(50),
            _sojourn.Percentile(60),
            _sojourn.Percentile(99),
            _sojourn.Percentile(99.99),
            _sim.ExecutedEvents,
            _sim.Now);
    }

    void IEventHandler.OnEvent(int kind, long arg)
    {
        SimTime now = _sim.Now;
        if (kind == Arrival)
        {
            _measuredArrivals++;
            _sim.Schedule(now + NextInterarrival(), this, Arrival);
            if (_serverBusy)
            {
                _waiting.Enqueue(now.Picoseconds);
                _inQueue.Add(now, +1);
            }
            else
            {
                StartService(now, now.Picoseconds);
            }

            return;
        }

        if (Depart(now))
        {
            return; // the last measured customer left: start no one else, or their wait would be one too many
        }

        if (_waiting.Count > 0)
        {
            _inQueue.Add(now, -1);
            StartService(now, _waiting.Dequeue());
        }
        else
        {
            _serverBusy = false;
            _busy.Update(now, 0);
        }
    }

    private void StartService(SimTime now, long arrivedPs)
    {
        if (_served >= _p.WarmupCustomers)
        {
            _waitSeconds.Add((now.Picoseconds - arrivedPs) / (double)SimTime.PicosecondsPerSecond);
        }

        _serverBusy = true;
        _busy.Update(now, 1);
        _inServiceArrival = arrivedPs;
        _sim.Schedule(now + NextService(), this, Departure);
    }

    /// <returns>True when the run is complete.</returns>
    private bool Depart(SimTime now)
    {
        if (_served >= _p.WarmupCustomers)
        {
            _sojourn.Record(new SimTime(now.Picoseconds - _inServiceArrival));
        }

        _served++;
        if (_served == _p.WarmupCustomers)
        {
            // End of warm-up: time averages restart here, and so does the arrival count behind lambda.
            _inQueue.Reset(now);
            _busy.Reset(now);
            _measuredArrivals = 0;
            _measureStart = now;
        }

        if (_served == _p.WarmupCustomers + _p.Customers)
        {
            _sim.Stop();
            return true;
        }

        return false;
    }

    private SimTime NextInterarrival() =>
        new((long)Math.Round(Exponential.Sample(_arrivalRng, 1.0 / _meanInterarrivalPs)));

    private SimTime NextService() => _p.Service switch
    {
        ServiceDistribution.Exponential =>
            new((long)Math.Round(Exponential.Sample(_serviceRng, 1.0 / _p.MeanService.Picoseconds))),
        _ => _p.MeanService,
    };
}
