using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using CsvHelper.TypeConversion;

namespace NetPerf.Reporting.Csv;

/// <summary>
/// Doubles as the shortest text that parses back to the same bits ("R": since .NET Core 3.0 this is the
/// shortest round-trippable form, the same on every platform), always in the invariant culture. Fixed
/// significant digits would be shorter to read but lose the round trip that <c>compare</c> of saved runs needs.
/// </summary>
internal sealed class RoundTripDoubleConverter : DoubleConverter
{
    // A figure that does not apply (NaN: a stream's CPU per request) or has no value is an empty cell, as the
    // README promises: "NaN" in a CSV breaks spreadsheets and reads as text in R and pandas' stricter modes.
    public override string? ConvertToString(object? value, IWriterRow row, MemberMapData memberMapData) =>
        value is double d ? (double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "") : base.ConvertToString(value, row, memberMapData);

    /// <summary>An empty cell reads back as NaN where the column is not nullable.</summary>
    public override object? ConvertFromString(string? text, IReaderRow row, MemberMapData memberMapData) =>
        string.IsNullOrWhiteSpace(text) ? double.NaN : base.ConvertFromString(text, row, memberMapData);
}

/// <summary>Booleans as lower-case <c>true</c>/<c>false</c> (read in any case), as R, pandas and jq all accept.</summary>
internal sealed class LowerCaseBooleanConverter : BooleanConverter
{
    public override string? ConvertToString(object? value, IWriterRow row, MemberMapData memberMapData) =>
        value is bool b ? (b ? "true" : "false") : base.ConvertToString(value, row, memberMapData);
}
