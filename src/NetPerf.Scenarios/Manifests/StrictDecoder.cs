using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;
using NetPerf.Scenarios.Loading;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace NetPerf.Scenarios.Manifests;

/// <summary>
/// One manifest document walked against KubernetesClient's type for its kind, field by field, as the API
/// server's strict field validation decodes it (kubectl apply's default, --validate=strict): every field the type
/// does not have is reported at its line, in the server's words (<c>strict decoding error: unknown field
/// "spec.template.spec.containers[0].prots"</c>), every value of the wrong type too; what passes becomes the
/// JSON that KubernetesClient's own serializer turns into the typed object. YAML's anchors, aliases and merge
/// keys (<c>&lt;&lt;: *base</c>) are resolved here, as sigs.k8s.io/yaml resolves them before decoding.
/// </summary>
internal sealed class StrictDecoder(Diagnostics d, string context)
{
    private static readonly ConcurrentDictionary<Type, IReadOnlyDictionary<string, PropertyInfo>> Fields = new();

    /// <summary>How deep a merge key may chain (a merge of a merge ...): far above any manifest, far below a stack overflow.</summary>
    private const int MaxMergeDepth = 16;

    private readonly List<string> _unknown = [];

    /// <summary>The unknown fields found so far, by path, in document order.</summary>
    public IReadOnlyList<string> Unknown => _unknown;

    /// <summary>The document as JSON for <paramref name="type"/>, or null where a value could not be decoded (each reported).</summary>
    public JsonNode? Decode(YamlNode node, Type type) => Value(node, type, "");

    private JsonNode? Value(YamlNode node, Type type, string path)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsNull(node))
        {
            return null;
        }

        if (type == typeof(string))
        {
            return Text(node, path, "text");
        }

        if (type == typeof(IntOrString))
        {
            return node is YamlScalarNode { Style: ScalarStyle.Plain, Value: { } v } && long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)
                ? JsonValue.Create(n)
                : Text(node, path, "a number or a name");
        }

        if (type == typeof(ResourceQuantity))
        {
            if (Scalar(node, path, "a quantity such as 500m, 2 or 1Gi") is not { } q)
            {
                return null;
            }

            try
            {
                _ = new ResourceQuantity(q);
                return JsonValue.Create(q);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
            {
                Fail(node, $"{Where(path)}: {ManifestReader.Q(q)} is not a quantity: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (such as 500m, 2 or 1Gi)");
                return null;
            }
        }

        if (type == typeof(bool))
        {
            if (Plain(node) is { } b && Bool(b) is { } flag)
            {
                return JsonValue.Create(flag);
            }

            return Wrong(node, path, "true or false");
        }

        if (type == typeof(int) || type == typeof(long))
        {
            if (Plain(node) is { } s && long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v)
                && (type == typeof(long) || v is >= int.MinValue and <= int.MaxValue))
            {
                return JsonValue.Create(v);
            }

            return Wrong(node, path, "a whole number");
        }

        if (type == typeof(double) || type == typeof(float))
        {
            if (Plain(node) is { } s && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v))
            {
                return JsonValue.Create(v);
            }

            return Wrong(node, path, "a number");
        }

        if (type == typeof(DateTime))
        {
            return Text(node, path, "a time (RFC 3339)") is { } t && DateTime.TryParse(t.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _)
                ? t
                : Wrong(node, path, "a time (RFC 3339)");
        }

        if (type == typeof(byte[]))
        {
            return Text(node, path, "base64 text");
        }

        if (type == typeof(object))
        {
            return Untyped(node, path, 0);
        }

        if (ElementOf(type, typeof(IList<>)) is { } element)
        {
            if (node is not YamlSequenceNode seq)
            {
                return Wrong(node, path, "a list");
            }

            var array = new JsonArray();
            int i = 0;
            foreach (var item in seq.Children)
            {
                array.Add(Value(item, element, $"{path}[{i++}]"));
            }

            return array;
        }

        if (ElementOf(type, typeof(IDictionary<,>), 1) is { } valueType)
        {
            if (Entries(node, path, 0) is not { } entries)
            {
                return null;
            }

            var map = new JsonObject();
            foreach (var (key, value) in entries)
            {
                map[key.Value!] = Value(value, valueType, $"{path}.{key.Value}");
            }

            return map;
        }

        return Object(node, type, path);
    }

    private JsonObject? Object(YamlNode node, Type type, string path)
    {
        if (Entries(node, path, 0) is not { } entries)
        {
            return null;
        }

        var fields = Fields.GetOrAdd(type, FieldsOf);
        var obj = new JsonObject();
        foreach (var (key, value) in entries)
        {
            string name = key.Value!;
            string where = path.Length == 0 ? name : $"{path}.{name}";
            if (!fields.TryGetValue(name, out var property))
            {
                _unknown.Add(where);
                Fail(key, $"{context}: strict decoding error: unknown field \"{Printable.Escape(where)}\"{Diagnostics.Suggest(name, fields.Keys)}");
                continue;
            }

            obj[name] = Value(value, property.PropertyType, where);
        }

        return obj;
    }

    /// <summary>
    /// A mapping's entries with merge keys resolved (YAML 1.1's &lt;&lt;: keys written in the mapping win over merged
    /// ones, earlier merged mappings over later), each key a plain word; null after reporting a non-mapping.
    /// </summary>
    private List<(YamlScalarNode Key, YamlNode Value)>? Entries(YamlNode node, string path, int depth)
    {
        if (node is not YamlMappingNode m)
        {
            Wrong(node, path, "a mapping (key: value lines)");
            return null;
        }

        var own = new List<(YamlScalarNode, YamlNode)>();
        var merged = new List<(YamlScalarNode Key, YamlNode Value)>();
        foreach (var (k, v) in m.Children)
        {
            if (k is not YamlScalarNode { Value: { } key } scalar)
            {
                Fail(k, $"{Where(path)}: a key must be a plain word, not a list or a mapping");
                continue;
            }

            if (key == "<<" && scalar.Style == ScalarStyle.Plain)
            {
                if (depth >= MaxMergeDepth)
                {
                    Fail(k, $"{Where(path)}: merge keys (<<) nest more than {MaxMergeDepth} deep");
                    continue;
                }

                IEnumerable<YamlNode> sources = v is YamlSequenceNode list ? list.Children : [v];
                foreach (var source in sources)
                {
                    if (Entries(source, path, depth + 1) is { } more)
                    {
                        merged.AddRange(more);
                    }
                }

                continue;
            }

            own.Add((scalar, v));
        }

        var seen = own.Select(e => e.Item1.Value!).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, value) in merged)
        {
            if (seen.Add(key.Value!))
            {
                own.Add((key, value));
            }
        }

        return own;
    }

    /// <summary>A value of no declared type (an annotation-free extension point): kept as YAML's core schema reads it.</summary>
    private JsonNode? Untyped(YamlNode node, string path, int depth)
    {
        switch (node)
        {
            case YamlSequenceNode seq:
                return new JsonArray([.. seq.Children.Select((c, i) => Untyped(c, $"{path}[{i}]", depth))]);
            case YamlMappingNode:
                var obj = new JsonObject();
                foreach (var (key, value) in Entries(node, path, depth) ?? [])
                {
                    obj[key.Value!] = Untyped(value, $"{path}.{key.Value}", depth);
                }

                return obj;
            case YamlScalarNode { Style: ScalarStyle.Plain, Value: { } s }:
                return long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) ? JsonValue.Create(n)
                    : Bool(s) is { } b ? JsonValue.Create(b)
                    : double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && double.IsFinite(x) ? JsonValue.Create(x)
                    : JsonValue.Create(s);
            case YamlScalarNode { Value: { } quoted }:
                return JsonValue.Create(quoted);
            default:
                return null;
        }
    }

    /// <summary>
    /// Text for a string field. A plain scalar that YAML reads as a number or a boolean is not text, as
    /// sigs.k8s.io/yaml reads it (kubectl refuses <c>version: 1.0</c> in labels until it is quoted).
    /// </summary>
    private JsonNode? Text(YamlNode node, string path, string expected)
    {
        if (node is not YamlScalarNode { Value: { } s } scalar)
        {
            return Wrong(node, path, expected);
        }

        if (scalar.Style == ScalarStyle.Plain && (Bool(s) is not null || double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
        {
            string what = Bool(s) is not null ? "a boolean" : "a number";
            Fail(node, $"{Where(path)}: {ManifestReader.Q(s)} is read as {what}, and this field is text; quote it (\"{Printable.Escape(s)}\")");
            return null;
        }

        return JsonValue.Create(s);
    }

    private string? Scalar(YamlNode node, string path, string expected)
    {
        if (node is YamlScalarNode { Value: { } s })
        {
            return s;
        }

        Wrong(node, path, expected);
        return null;
    }

    private static string? Plain(YamlNode node) => node is YamlScalarNode { Style: ScalarStyle.Plain, Value: { } s } ? s : null;

    /// <summary>YAML 1.1's booleans, as go-yaml v2 (under sigs.k8s.io/yaml) reads a plain scalar.</summary>
    private static bool? Bool(string s) => s switch
    {
        "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "y" or "Y" => true,
        "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF" or "n" or "N" => false,
        _ => null,
    };

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private JsonNode? Wrong(YamlNode node, string path, string expected)
    {
        Fail(node, $"{Where(path)}: expected {expected}; found {YamlMap.Describe(node)}");
        return null;
    }

    private void Fail(YamlNode node, string message) => d.Error(node, message);

    private static string Where(string path) => path.Length == 0 ? "the document" : path;

    private static Type? ElementOf(Type type, Type generic, int argument = 0)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == generic)
        {
            return type.GetGenericArguments()[argument];
        }

        return type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == generic)?.GetGenericArguments()[argument];
    }

    /// <summary>The JSON field names of a KubernetesClient model (its [JsonPropertyName]s, which are the API's).</summary>
    private static IReadOnlyDictionary<string, PropertyInfo> FieldsOf(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetCustomAttribute<JsonIgnoreAttribute>() is null && !typeof(IEnumerator).IsAssignableFrom(p.PropertyType))
            .ToDictionary(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicyCamel(p.Name), p => p, StringComparer.Ordinal);

    private static string JsonNamingPolicyCamel(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];
}
