namespace NetPerf.Network.Cpu;

/// <summary>
/// The CPU cost of every <see cref="KernelStage"/>: fixed nanoseconds plus nanoseconds per byte. The defaults
/// ship as <c>Cpu/cost-model.csv</c>, one row per stage with the source of its numbers (a kernel measurement and
/// how it was made, tools/kernel-costs; or a row of measurements.md); a scenario can load its own file.
/// </summary>
public sealed class CostTable
{
    private const string DefaultResource = "NetPerf.Network.cost-model.csv";
    private const string KindResource = "NetPerf.Network.cost-model-kind.csv";

    /// <summary>Where each stage's numbers come from, as the file says.</summary>
    public IReadOnlyDictionary<KernelStage, string> Sources => _sources;

    private readonly Dictionary<KernelStage, string> _sources = [];

    /// <summary>
    /// The shipped profiles: <c>physical</c> (Cpu/cost-model.csv: nodes with NICs; the namespace measurements of
    /// tools/kernel-costs and published NIC figures) and <c>kind</c> (Cpu/cost-model-kind.csv: nodes that are
    /// containers on one host, fitted by <c>netperf calibrate</c> on the machine its provenance names).
    /// </summary>
    public static readonly IReadOnlyList<string> Profiles = ["physical", "kind"];

    /// <summary>The shipped defaults (Cpu/cost-model.csv, the physical profile).</summary>
    public static CostTable Default() => Profile("physical");

    /// <summary>One of the shipped <see cref="Profiles"/>.</summary>
    public static CostTable Profile(string name)
    {
        string resource = name switch
        {
            "physical" => DefaultResource,
            "kind" => KindResource,
            _ => throw new ArgumentException($"no cost profile '{name}'; profiles are: {string.Join(", ", Profiles)}", nameof(name)),
        };
        using var stream = typeof(CostTable).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the cost table ({resource}) is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return Parse(reader, $"{resource["NetPerf.Network.".Length..]} (built in)");
    }

    /// <summary>
    /// Occurrences of <see cref="KernelStage.Interference"/> per millisecond of a core's busy time (0: kernel
    /// work is deterministic and latency has no spread of its own). The file's optional <c>per_busy_ms</c>
    /// column, given on the Interference row.
    /// </summary>
    public double InterferencePerMillisecond { get; set; }

    /// <summary>Occurrences of <see cref="KernelStage.Preemption"/> per millisecond of busy time (the Preemption row's per_busy_ms).</summary>
    public double PreemptionPerMillisecond { get; set; }

    /// <summary>
    /// The spread of a new connection's work: at each transaction that opens a connection (TCP_CRR's connect), the
    /// workload draws a lognormal factor of median 1 and this sigma, and all kernel work on the client's and the
    /// server's cores runs scaled by it (<see cref="Core.WorkScale"/>) until the next such transaction. A new
    /// connection meets fresh memory (a socket and, with conntrack, an entry from the slab: hot if one was just
    /// freed, cold after a refill), a hash-table insert, timers armed on the per-CPU wheel and RCU-deferred frees of
    /// earlier connections: all of its stages go slower or faster together. The median is the table's (the cost fit
    /// fits medians), so the mean moves by exp(sigma^2 / 2) only. The file's optional <c>work_sigma</c> column, given
    /// on the TcpConnection row; 0 (every connection's work the same) unless a calibration fitted it.
    /// </summary>
    public double ConnectionWorkSigma { get; set; }

    /// <summary>The largest <see cref="ConnectionWorkSigma"/> a file may give (a factor of e^2 at one sigma is no longer one kernel's variation).</summary>
    public const double MaxWorkSigma = 2;

    /// <summary>The largest cost table read; the shipped one is under 10 KiB.</summary>
    public const long MaxFileBytes = 1L << 20;

    /// <summary>
    /// A cost table file: columns stage, fixed_ns, ns_per_byte, source; every stage exactly once. A directory, a
    /// device, a pipe or a file over <see cref="MaxFileBytes"/> is an <see cref="IOException"/> saying so.
    /// </summary>
    public static CostTable Load(string path) =>
        Parse(new StringReader(Engine.IO.BoundedFile.ReadText(path, MaxFileBytes)), path);

    /// <summary>Reads a table, collecting every problem before failing, each with file:line.</summary>
    public static CostTable Parse(TextReader text, string fileName)
    {
        var table = new CostTable();
        var problems = new List<string>();
        var seen = new Dictionary<KernelStage, int>();
        // CsvHelper throws on a stray quote (BadData) and on a short row (MissingField); both are the file's
        // fault, so they are collected with the rest instead.
        var config = new CsvHelper.Configuration.CsvConfiguration(System.Globalization.CultureInfo.InvariantCulture)
        {
            TrimOptions = CsvHelper.Configuration.TrimOptions.Trim,
            BadDataFound = args => problems.Add($"{fileName}:{args.Context.Parser?.RawRow}: a quote inside an unquoted field; quote the whole field (\"...\") and double the quotes inside it"),
            MissingFieldFound = null,
        };
        using var csv = new CsvHelper.CsvReader(text, config);
        try
        {
            if (!csv.Read() || !csv.ReadHeader() || !HasColumns(csv.HeaderRecord))
            {
                throw new CostTableFormatException([$"{fileName}:1: the header must be: stage,fixed_ns,ns_per_byte,source"]);
            }

            ReadRows(csv, table, problems, seen, fileName);
        }
        catch (CsvHelper.CsvHelperException e)
        {
            problems.Add($"{fileName}:{e.Context?.Parser?.RawRow}: not valid CSV ({e.GetType().Name.Replace("Exception", "", StringComparison.Ordinal)})");
        }

        foreach (var stage in Enum.GetValues<KernelStage>())
        {
            if (!seen.ContainsKey(stage))
            {
                problems.Add($"{fileName}: stage {stage} is missing; every stage needs a row");
            }
        }

        if (problems.Count > 0)
        {
            throw new CostTableFormatException(problems);
        }

        return table;
    }

    private static void ReadRows(CsvHelper.CsvReader csv, CostTable table, List<string> problems, Dictionary<KernelStage, int> seen, string fileName)
    {
        string allowed = string.Join(", ", Enum.GetNames<KernelStage>());
        while (csv.Read())
        {
            int line = csv.Parser.RawRow;
            if (csv.Parser.Count < csv.HeaderRecord!.Length)
            {
                problems.Add($"{fileName}:{line}: {csv.Parser.Count} field(s); every row has {csv.HeaderRecord.Length}: stage,fixed_ns,ns_per_byte,source");
                continue;
            }

            string name = csv.GetField("stage") ?? "";
            if (!Enum.TryParse(name, ignoreCase: false, out KernelStage stage) || !Enum.IsDefined(stage))
            {
                problems.Add($"{fileName}:{line}: unknown stage {Shown(name)}; stages are: {allowed}");
                continue;
            }

            if (seen.TryGetValue(stage, out int first))
            {
                problems.Add($"{fileName}:{line}: stage {stage} appears again (first at line {first}); give each stage once");
                continue;
            }

            seen[stage] = line;
            double? fixedNs = Number(csv.GetField("fixed_ns"), "fixed_ns", fileName, line, problems);
            double? perByte = Number(csv.GetField("ns_per_byte"), "ns_per_byte", fileName, line, problems);
            string source = csv.GetField("source") ?? "";
            if (string.IsNullOrWhiteSpace(source))
            {
                problems.Add($"{fileName}:{line}: stage {stage} has no source; say where its numbers come from (a measurement and how it was made, or a published row)");
            }

            if (stage is KernelStage.Interference or KernelStage.Preemption && csv.HeaderRecord!.Contains("per_busy_ms") && !string.IsNullOrWhiteSpace(csv.GetField("per_busy_ms")))
            {
                if (Number(csv.GetField("per_busy_ms"), "per_busy_ms", fileName, line, problems) is { } rate)
                {
                    if (stage == KernelStage.Interference)
                    {
                        table.InterferencePerMillisecond = rate;
                    }
                    else
                    {
                        table.PreemptionPerMillisecond = rate;
                    }
                }
            }

            if (csv.HeaderRecord!.Contains("work_sigma") && !string.IsNullOrWhiteSpace(csv.GetField("work_sigma")))
            {
                string text = csv.GetField("work_sigma")!;
                if (stage != KernelStage.TcpConnection)
                {
                    problems.Add($"{fileName}:{line}: work_sigma is given on the {stage} row; it belongs on the TcpConnection row only (the spread of a new connection's work)");
                }
                else if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double sigma)
                    && double.IsFinite(sigma) && sigma >= 0 && sigma <= MaxWorkSigma)
                {
                    table.ConnectionWorkSigma = sigma;
                }
                else
                {
                    problems.Add($"{fileName}:{line}: work_sigma {Shown(text)} is not allowed; give the lognormal sigma of a connection's work as a number from 0 to {MaxWorkSigma} (e.g. 0.18)");
                }
            }

            double coldNs = 0;
            if (csv.HeaderRecord!.Contains("cold_ns") && !string.IsNullOrWhiteSpace(csv.GetField("cold_ns")))
            {
                coldNs = Number(csv.GetField("cold_ns"), "cold_ns", fileName, line, problems) ?? 0;
            }

            if (fixedNs is { } f && perByte is { } b)
            {
                table[stage] = StageCost.Nanoseconds(f, b) with { ColdPicoseconds = (long)Math.Round(coldNs * 1000) };
                table._sources[stage] = source;
            }
        }
    }

    private static bool HasColumns(string[]? header) =>
        header is not null && new[] { "stage", "fixed_ns", "ns_per_byte", "source" }.All(c => header.Contains(c, StringComparer.Ordinal));

    private static double? Number(string? text, string column, string fileName, int line, List<string> problems)
    {
        if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v)
            && double.IsFinite(v) && v >= 0 && v < 1e9)
        {
            return v;
        }

        problems.Add($"{fileName}:{line}: {column} {Shown(text ?? "")} is not allowed; give nanoseconds as a number from 0 to 1e9 (e.g. 120.5)");
        return null;
    }
    /// <summary>A field quoted for a message, cut short: a 1 MiB field is not printed whole.</summary>
    private static string Shown(string text) => text.Length <= 80 ? $"'{text}'" : $"'{text[..80]}...'";

    // At most 128: a packet marks the stages its journey has run in one UInt128 (Packet.WarmStages).
    private static readonly int StageCount = Enum.GetValues<KernelStage>().Length is var n && n <= 128 ? n : throw new InvalidOperationException($"{n} kernel stages: Packet.WarmStages holds 128");
    private readonly StageCost[] _costs = new StageCost[StageCount];

    /// <summary>A table in which every stage is free: latency is then wire time alone.</summary>
    public static CostTable Free() => new();

    /// <summary>A copy, to change without touching the original (a fit's trial tables).</summary>
    public CostTable Clone()
    {
        var copy = new CostTable { InterferencePerMillisecond = InterferencePerMillisecond, PreemptionPerMillisecond = PreemptionPerMillisecond, ConnectionWorkSigma = ConnectionWorkSigma };
        Array.Copy(_costs, copy._costs, _costs.Length);
        copy.HasColdCosts = HasColdCosts;
        foreach (var (stage, source) in _sources)
        {
            copy._sources[stage] = source;
        }

        return copy;
    }

    /// <summary>Sets a stage's cost and says where it came from.</summary>
    public void Set(KernelStage stage, StageCost cost, string source)
    {
        this[stage] = cost;
        _sources[stage] = source;
    }

    /// <summary>Writes the table in the format <see cref="Parse"/> reads (with per_busy_ms and work_sigma), rows in stage order.</summary>
    public void Write(TextWriter text)
    {
        using var csv = new CsvHelper.CsvWriter(text, System.Globalization.CultureInfo.InvariantCulture, leaveOpen: true);
        // cold_ns only where a calibration fitted one: the shipped tables keep the format they were written in.
        bool cold = HasColdCosts && _costs.Any(c => c.ColdPicoseconds != 0);
        foreach (var h in cold ? new[] { "stage", "fixed_ns", "ns_per_byte", "cold_ns", "per_busy_ms", "work_sigma", "source" } : ["stage", "fixed_ns", "ns_per_byte", "per_busy_ms", "work_sigma", "source"])
        {
            csv.WriteField(h);
        }

        csv.NextRecord();
        foreach (var stage in Enum.GetValues<KernelStage>())
        {
            var c = this[stage];
            csv.WriteField(stage.ToString());
            csv.WriteField((c.FixedPicoseconds / 1000.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture));
            csv.WriteField((c.PicosecondsPerByte / 1000.0).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture));
            if (cold)
            {
                csv.WriteField(c.ColdPicoseconds == 0 ? "" : (c.ColdPicoseconds / 1000.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture));
            }

            csv.WriteField(stage switch
            {
                KernelStage.Interference => InterferencePerMillisecond.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture),
                KernelStage.Preemption => PreemptionPerMillisecond.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture),
                _ => "",
            });
            csv.WriteField(stage == KernelStage.TcpConnection && ConnectionWorkSigma > 0 ? ConnectionWorkSigma.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture) : "");
            csv.WriteField(_sources.TryGetValue(stage, out var src) ? src : "");
            csv.NextRecord();
        }
    }

    /// <summary>Every stage costs the same: convenient for checks where only the number of stages matters.</summary>
    public static CostTable Uniform(StageCost cost)
    {
        var table = new CostTable();
        Array.Fill(table._costs, cost);
        table.HasColdCosts = cost.ColdPicoseconds != 0;
        return table;
    }

    public static int Stages => StageCount;

    public StageCost this[KernelStage stage]
    {
        get => _costs[(int)stage];
        set
        {
            _costs[(int)stage] = value;
            HasColdCosts |= value.ColdPicoseconds != 0;
        }
    }

    /// <summary>
    /// Whether any stage has a first-run premium (<see cref="StageCost.ColdPicoseconds"/>): without one (every shipped
    /// profile) a packet's walk need not mark the stages it has run.
    /// </summary>
    public bool HasColdCosts { get; private set; }

    /// <summary>Picoseconds <paramref name="stage"/> takes for a packet of <paramref name="bytes"/>.</summary>
    public long Of(KernelStage stage, int bytes) => _costs[(int)stage].For(bytes);

    /// <summary>Picoseconds a stage's first run in a packet's journey costs beyond <see cref="Of"/> (<see cref="StageCost.ColdPicoseconds"/>).</summary>
    public long ColdOf(KernelStage stage) => _costs[(int)stage].ColdPicoseconds;

    /// <summary>Picoseconds <paramref name="stage"/> takes run once for each of <paramref name="times"/> segments carrying <paramref name="bytes"/> in all.</summary>
    public long OfSegments(KernelStage stage, int bytes, int times) =>
        times == 1 ? _costs[(int)stage].For(bytes) : _costs[(int)stage].For(bytes) + ((times - 1) * _costs[(int)stage].FixedPicoseconds);
}
