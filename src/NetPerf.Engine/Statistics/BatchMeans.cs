namespace NetPerf.Engine.Statistics;

/// <summary>
/// Confidence interval for the steady-state mean of one long, autocorrelated run (waiting times in a queue)
/// by the method of batch means: consecutive observations are grouped into batches whose means are nearly
/// independent when batches are long compared with the correlation time.
/// </summary>
/// <remarks>
/// The run length is not known in advance, so batches start at one observation and double in size whenever
/// there are <c>2 x minBatches</c> of them (adjacent pairs merge). Memory stays bounded, and at the end there
/// are between <c>minBatches</c> and <c>2 x minBatches</c> batches, each as long as the run allows. A trailing
/// partial batch is left out of the interval, as the method requires equal batch sizes.
/// </remarks>
public sealed class BatchMeans
{
    private readonly double[] _sums;
    private readonly int _minBatches;
    private int _full;
    private long _batchSize = 1;
    private double _partialSum;
    private long _partialCount;

    public BatchMeans(int minBatches = 32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minBatches, 2);
        _minBatches = minBatches;
        _sums = new double[2 * minBatches];
    }

    public long Count { get; private set; }
    public long BatchSize => _batchSize;
    public int FullBatches => _full;

    /// <summary>Whether there are enough full batches for <see cref="Interval"/>.</summary>
    public bool HasInterval => _full >= _minBatches;

    /// <summary>The mean of every observation, including the trailing partial batch.</summary>
    public double Mean => Count == 0 ? double.NaN : (SumOfFull() + _partialSum) / Count;

    public void Add(double x)
    {
        Count++;
        _partialSum += x;
        if (++_partialCount < _batchSize)
        {
            return;
        }

        _sums[_full++] = _partialSum;
        _partialSum = 0;
        _partialCount = 0;
        if (_full == _sums.Length)
        {
            for (int i = 0; i < _minBatches; i++)
            {
                _sums[i] = _sums[2 * i] + _sums[(2 * i) + 1];
            }

            _full = _minBatches;
            _batchSize *= 2;
        }
    }

    /// <summary>The interval from the full batches (at least <c>minBatches</c> of them are needed).</summary>
    public ConfidenceInterval Interval(double level = 0.95)
    {
        if (_full < _minBatches)
        {
            throw new InvalidOperationException(
                $"only {_full} full batches of {_batchSize} observations: at least {_minBatches} are needed for an interval; run longer.");
        }

        var means = new double[_full];
        for (int i = 0; i < _full; i++)
        {
            means[i] = _sums[i] / _batchSize;
        }

        return ConfidenceInterval.FromIndependent(means, level);
    }

    public void Reset()
    {
        Count = 0;
        _full = 0;
        _batchSize = 1;
        _partialSum = 0;
        _partialCount = 0;
    }

    private double SumOfFull()
    {
        double s = 0;
        for (int i = 0; i < _full; i++)
        {
            s += _sums[i];
        }

        return s;
    }
}
