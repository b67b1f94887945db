using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using NetPerf.Engine.Statistics;
using NetPerf.Reporting;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Sharding;

/// <summary>One line of simulations.jsonl: a path simulation's record or a BGP experiment's row, by its place in the run.</summary>
public sealed record ShardLine
{
    public required int Index { get; init; }
    public SimulationRecord? Simulation { get; init; }
    public BgpRow? Bgp { get; init; }
}

/// <summary>A shard folder as read: its header, the scenario's text and its simulations in the order written.</summary>
public sealed record ShardContents(string Folder, ShardHeader Header, string ScenarioText, IReadOnlyList<ShardLine> Lines);

/// <summary>
/// What <c>netperf run --shard K/N</c> leaves in its folder (results/&lt;scenario&gt;/&lt;run&gt;/): scenario.yaml (the
/// file as run), shard.json (<see cref="ShardHeader"/>) and simulations.jsonl, a line per simulation of the shard:
/// every replication's own figures (<see cref="SimulationRecord"/>: its latency histogram in HdrHistogram's
/// compressed encoding, its counters, its CPU by host and stage, its timeseries rows and samples), so a merge pools
/// replications exactly as an unsharded run does. Numbers are written so that every bit reads back.
/// </summary>
public static class ShardFolder
{
    public const string HeaderFile = "shard.json";
    public const string SimulationsFile = "simulations.jsonl";
    public const string ScenarioFile = "scenario.yaml";

    /// <summary>At most this much is read of one shard's simulations file (a shard holds at most 500 simulations' rows; samples make it large).</summary>
    public const long MaxSimulationsBytes = 4L << 30;

    private static readonly JsonSerializerOptions Lines = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, // NaN stays NaN (an empty cell), as in the unsharded run
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new HistogramConverter(), new DropConverter(), new JsonStringEnumConverter() },
    };

    private static readonly JsonSerializerOptions Header = new(Lines) { WriteIndented = true };

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>Writes shard.json and simulations.jsonl into <paramref name="folder"/> (the claimed, hidden one), each atomically.</summary>
    public static void Write(string folder, ShardHeader header, RunRecords records, IReadOnlyList<int> bgpIndices)
    {
        AtomicFile.WriteText(Path.Combine(folder, SimulationsFile), w =>
        {
            foreach (var r in records.Simulations)
            {
                w.Write(JsonSerializer.Serialize(new ShardLine { Index = r.Index, Simulation = r }, Lines));
                w.Write('\n');
            }

            for (int i = 0; i < records.Bgp.Count; i++)
            {
                w.Write(JsonSerializer.Serialize(new ShardLine { Index = bgpIndices[i], Bgp = records.Bgp[i] }, Lines));
                w.Write('\n');
            }
        });
        AtomicFile.WriteAllText(Path.Combine(folder, HeaderFile), JsonSerializer.Serialize(header, Header) + "\n");
    }

    /// <summary>Reads a shard folder; every problem found is added to <paramref name="errors"/> (file, line where there is one, what is wrong), and null returned.</summary>
    public static ShardContents? Read(string folder, List<string> errors)
    {
        string headerPath = Path.Combine(folder, HeaderFile);
        if (!Directory.Exists(folder))
        {
            errors.Add($"{folder}: no such folder");
            return null;
        }

        if (!System.IO.File.Exists(headerPath))
        {
            errors.Add($"{folder}: not a shard folder (no {HeaderFile}); shards are what 'netperf run --shard K/N' writes");
            return null;
        }

        ShardHeader? header;
        try
        {
            var info = new FileInfo(headerPath);
            if (info.Length > 1 << 20)
            {
                errors.Add($"{headerPath}: {info.Length:N0} bytes, over the 1 MiB a shard header takes");
                return null;
            }

            header = JsonSerializer.Deserialize<ShardHeader>(System.IO.File.ReadAllText(headerPath), Header);
        }
        catch (JsonException e)
        {
            errors.Add($"{headerPath}:{(e.LineNumber ?? 0) + 1}:{(e.BytePositionInLine ?? 0) + 1}: not a shard header: {Loading.Printable.Escape(e.Message)}");
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"{headerPath}: cannot be read: {e.Message}");
            return null;
        }

        if (header is null)
        {
            errors.Add($"{headerPath}:1:1: not a shard header (null)");
            return null;
        }

        if (header.Format != ShardHeader.CurrentFormat)
        {
            errors.Add($"{headerPath}: format '{Loading.Printable.Escape(header.Format)}'; this version reads '{ShardHeader.CurrentFormat}' (merge with the NetPerf that wrote the shards)");
            return null;
        }

        if (header.Shards < 1 || header.Shards > ShardSpec.MaxCount || header.Shard < 1 || header.Shard > header.Shards || header.Simulations < 0)
        {
            errors.Add($"{headerPath}: shard {header.Shard}/{header.Shards} of {header.Simulations} simulation(s) is no shard (K/N with 1 <= K <= N <= {ShardSpec.MaxCount}, simulations >= 0)");
            return null;
        }

        string scenarioPath = Path.Combine(folder, ScenarioFile);
        string scenarioText;
        try
        {
            scenarioText = System.IO.File.ReadAllText(scenarioPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"{scenarioPath}: cannot be read ({e.Message}); a shard folder holds the scenario it ran");
            return null;
        }

        if (Sha256(scenarioText) != header.ScenarioSha256)
        {
            errors.Add($"{scenarioPath}: its SHA-256 is {Sha256(scenarioText)[..12]}..., not the {Printable(header.ScenarioSha256)} {HeaderFile} names: the file was changed after the shard ran");
            return null;
        }

        string linesPath = Path.Combine(folder, SimulationsFile);
        var lines = new List<ShardLine>();
        try
        {
            if (new FileInfo(linesPath).Length > MaxSimulationsBytes)
            {
                errors.Add($"{linesPath}: over {MaxSimulationsBytes >> 30} GiB");
                return null;
            }

            int number = 0;
            foreach (string line in System.IO.File.ReadLines(linesPath))
            {
                number++;
                try
                {
                    var parsed = JsonSerializer.Deserialize<ShardLine>(line, Lines);
                    if (parsed is null || (parsed.Simulation is null) == (parsed.Bgp is null))
                    {
                        errors.Add($"{linesPath}:{number}:1: a line holds either a simulation or a bgp experiment");
                        return null;
                    }

                    lines.Add(parsed);
                }
                catch (JsonException e)
                {
                    errors.Add($"{linesPath}:{number}:{(e.BytePositionInLine ?? 0) + 1}: not a simulation record: {Loading.Printable.Escape(e.Message)}");
                    return null;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"{linesPath}: cannot be read: {e.Message}");
            return null;
        }

        return new ShardContents(folder, header, scenarioText, lines);
    }

    private static string Printable(string hash) => hash.Length > 12 ? hash[..12] + "..." : Loading.Printable.Escape(hash);

    /// <summary>A latency histogram as HdrHistogram's compressed encoding and its saturated count.</summary>
    private sealed class HistogramConverter : JsonConverter<LatencyHistogram>
    {
        public override LatencyHistogram Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var dto = JsonSerializer.Deserialize<EncodedHistogram>(ref reader, options) ?? throw new JsonException("a histogram is an object");
            try
            {
                return LatencyHistogram.Decode(dto.Hdr, dto.Saturated);
            }
            catch (FormatException e)
            {
                throw new JsonException($"latency: {e.Message}", e);
            }
        }

        public override void Write(Utf8JsonWriter writer, LatencyHistogram value, JsonSerializerOptions options)
        {
            var (encoded, saturated) = value.Encode();
            JsonSerializer.Serialize(writer, new EncodedHistogram { Hdr = encoded, Saturated = saturated }, options);
        }
    }

    private sealed record EncodedHistogram
    {
        public required string Hdr { get; init; }
        public required long Saturated { get; init; }
    }

    /// <summary>A timeseries row's drop count by reason, as [reason, count].</summary>
    private sealed class DropConverter : JsonConverter<(string Reason, long Count)>
    {
        public override (string Reason, long Count) Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.StartArray || !reader.Read() || reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException("a drop count is [reason, count]");
            }

            string reason = reader.GetString()!;
            if (!reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long count) || !reader.Read() || reader.TokenType != JsonTokenType.EndArray)
            {
                throw new JsonException("a drop count is [reason, count]");
            }

            return (reason, count);
        }

        public override void Write(Utf8JsonWriter writer, (string Reason, long Count) value, JsonSerializerOptions options)
        {
            writer.WriteStartArray();
            writer.WriteStringValue(value.Reason);
            writer.WriteNumberValue(value.Count);
            writer.WriteEndArray();
        }
    }
}
