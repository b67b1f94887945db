using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace NetPerf.Cli.Commands;

/// <summary>What <c>-o/--output</c> picks, as kubectl's <c>-o</c>: how a command prints, never where files go.</summary>
internal enum OutputFormat
{
    Table,
    Wide,
    Json,
    Yaml,
}

internal static class OutputFormats
{
    public static readonly string[] Names = ["json", "yaml", "wide", "table"];

    /// <summary>
    /// The message for a value that is not a format: until issue 16 <c>-o</c> was the results root of run, compare
    /// and calibrate, so a path here is most likely an old command line.
    /// </summary>
    public const string Migration = "--output now picks the output format (json, yaml, wide, table); the results root is --results-dir";

    /// <summary>
    /// <c>-o/--output</c>: table by default (the enum's zero, so no default value is declared: System.CommandLine would
    /// print it as "[default: Table]", a spelling the option does not document); anything but the four names is
    /// refused with <see cref="Migration"/>.
    /// </summary>
    public static Option<OutputFormat> Option(string wideMeans) => new("--output", "-o")
    {
        Description = $"Output format: table (default), wide ({wideMeans}), json or yaml.",
        HelpName = "json|yaml|wide|table",
        CustomParser = r =>
        {
            string token = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
            switch (token.ToLowerInvariant()) // kubectl's words; case does not matter (the help shows the enum's name)
            {
                case "table": return OutputFormat.Table;
                case "wide": return OutputFormat.Wide;
                case "json": return OutputFormat.Json;
                case "yaml": return OutputFormat.Yaml;
                default:
                    r.AddError(token.Contains('/', StringComparison.Ordinal) || token.Contains('.', StringComparison.Ordinal)
                        ? $"--output '{Scenarios.Loading.Printable.Escape(token)}' is not a format: {Migration}."
                        : $"--output '{Scenarios.Loading.Printable.Escape(token)}' is not a format{Scenarios.Loading.DidYouMean.Suggest(token, Names)}; allowed: json, yaml, wide, table.");
                    return OutputFormat.Table;
            }
        },
    };

    /// <summary><c>--results-dir</c>: the root run, compare and calibrate write under (formerly <c>-o/--output</c>).</summary>
    public static Option<string> ResultsDir(string description) => new("--results-dir")
    {
        Description = description,
        DefaultValueFactory = _ => "results",
    };

    /// <summary>The options -o json writes with (tests read the output back with them).</summary>
    internal static JsonSerializerOptions JsonOptions => Json;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, // a summary row's NaN (nothing measured)
    };

    private static readonly ISerializer Yaml = new SerializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .Build();

    /// <summary>Writes <paramref name="value"/> as JSON or YAML (camelCase names); false for table and wide.</summary>
    public static bool TryWrite<T>(OutputFormat format, T value, TextWriter output)
    {
        switch (format)
        {
            case OutputFormat.Json:
                output.WriteLine(JsonSerializer.Serialize(value, Json));
                return true;
            case OutputFormat.Yaml:
                output.Write(Yaml.Serialize(value!));
                return true;
            default:
                return false;
        }
    }
}
