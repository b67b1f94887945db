using System.Text.RegularExpressions;
using Microsoft.Extensions.FileSystemGlobbing;
using NetPerf.Engine.IO;
using NetPerf.Scenarios.Loading;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace NetPerf.Scenarios.Manifests;

/// <summary>
/// Reads Kubernetes manifests as <c>kubectl apply -f</c> takes them, offline: files, directories (their .yaml,
/// .yml and .json files, in name order, not recursing, as kubectl does without -R) and globs; several documents
/// a file, empty documents skipped, <c>kind: List</c> unpacked. YamlDotNet's parser splits and locates the
/// documents (KubernetesYaml.LoadAllFromString throws on an unknown kind and on an empty document, and keeps no
/// positions); each document's kind is looked up first, then it is decoded strictly against KubernetesClient's
/// type (<see cref="StrictDecoder"/>). Every error says file:line:column.
/// </summary>
public static partial class ManifestReader
{
    /// <summary>The largest manifest file read (Kubernetes' own limit on one object is 1.5 MiB; a file holds several).</summary>
    public const long MaxFileBytes = 4L << 20;

    /// <summary>At most this many files in one set: a platform's manifests are tens to hundreds.</summary>
    public const int MaxFiles = 1_000;

    /// <summary>At most this many objects in one set (Kubernetes' scalability thresholds: 10,000 Services; far above any scenario run here).</summary>
    public const int MaxObjects = 20_000;

    /// <summary>
    /// Reads the manifests the sources name, refusing a file outside its source's confinement; a source's errors
    /// are reported at its node in the scenario (<paramref name="scenario"/>) when it has one, else at the pattern.
    /// </summary>
    internal static ManifestSet Read(IReadOnlyList<ManifestSource> sources, Diagnostics? scenario, List<ScenarioError> errors)
    {
        var files = new List<string>();
        foreach (var source in sources)
        {
            void Refuse(string message)
            {
                if (scenario is not null && source.At is not null)
                {
                    scenario.Error(source.At, message);
                }
                else
                {
                    errors.Add(new ScenarioError(source.Pattern, 1, 1, message));
                }
            }

            foreach (var file in Resolve(source.Pattern, source.Folder, Refuse))
            {
                if (source.ConfineTo is not null && Confinement.Outside(file, source.ConfineTo) is { } where)
                {
                    Refuse($"manifests: {Printable.Quote(source.Pattern)} names {Printable.Quote(where)}, outside the scenario's folder; move it beside the scenario, or pass --allow-outside");
                }
                else if (!files.Contains(file))
                {
                    files.Add(file);
                }
            }
        }

        if (files.Count > MaxFiles)
        {
            errors.Add(new ScenarioError(files[MaxFiles], 1, 1, $"manifests: {files.Count:N0} files; at most {MaxFiles:N0} are read in one set"));
            return ManifestSet.Empty;
        }

        var objects = new List<ManifestObject>();
        var ignored = new List<IgnoredObject>();
        foreach (var file in files)
        {
            ReadFile(file, objects, ignored, errors);
            if (objects.Count + ignored.Count > MaxObjects)
            {
                errors.Add(new ScenarioError(file, 1, 1, $"manifests: more than {MaxObjects:N0} objects; at most {MaxObjects:N0} are read in one set"));
                return ManifestSet.Empty;
            }
        }

        CheckSet(objects, errors);
        return new ManifestSet(objects, ignored, files);
    }

    /// <summary>Reads manifests from text (one file's worth), for tests and for a single file given whole.</summary>
    public static ManifestSet Parse(string text, string file)
    {
        var errors = new List<ScenarioError>();
        var objects = new List<ManifestObject>();
        var ignored = new List<IgnoredObject>();
        ReadText(text, file, objects, ignored, errors);
        CheckSet(objects, errors);
        if (errors.Count > 0)
        {
            throw new ScenarioException(errors);
        }

        return new ManifestSet(objects, ignored, [file]);
    }

    /// <summary>Reads every manifest the patterns name (relative to the working directory), or throws with every error.</summary>
    public static ManifestSet Load(IReadOnlyList<string> patterns)
    {
        var errors = new List<ScenarioError>();
        var set = Read([.. patterns.Select(p => new ManifestSource(p, Directory.GetCurrentDirectory(), null, null))], null, errors);
        if (errors.Count > 0)
        {
            throw new ScenarioException(errors);
        }

        return set;
    }

    /// <summary>The files a pattern names: the file itself, a directory's manifest files, or a glob's matches, each in name order.</summary>
    private static List<string> Resolve(string pattern, string folder, Action<string> refuse)
    {
        if (pattern.Contains('\0', StringComparison.Ordinal))
        {
            refuse("manifests: the path contains a NUL character; give a file, a directory or a glob");
            return [];
        }

        string full = Path.GetFullPath(Path.IsPathRooted(pattern) ? pattern : Path.Combine(folder, pattern));
        if (pattern.IndexOfAny(['*', '?', '[']) < 0)
        {
            if (Directory.Exists(full))
            {
                var inDir = Directory.EnumerateFiles(full).Where(IsManifestFile).Order(StringComparer.Ordinal).ToList();
                if (inDir.Count == 0)
                {
                    refuse($"manifests: {Printable.Quote(pattern)} is a directory with no .yaml, .yml or .json files");
                }

                return inDir;
            }

            if (!File.Exists(full))
            {
                refuse($"manifests: {Printable.Quote(pattern)}: no such file or directory");
                return [];
            }

            return [Path.GetFullPath(full)];
        }

        // A glob: the part before its first wildcard segment is the folder searched.
        var segments = pattern.Replace('\\', '/').Split('/');
        int wild = Array.FindIndex(segments, s => s.IndexOfAny(['*', '?', '[']) >= 0);
        string root = Path.GetFullPath(Path.Combine(Path.IsPathRooted(pattern) ? "/" : folder, string.Join('/', segments[..wild])));
        var matcher = new Matcher(StringComparison.Ordinal);
        matcher.AddInclude(string.Join('/', segments[wild..]));
        var matches = Directory.Exists(root)
            ? matcher.GetResultsInFullPath(root).Where(IsManifestFile).Order(StringComparer.Ordinal).ToList()
            : [];
        if (matches.Count == 0)
        {
            refuse($"manifests: {Printable.Quote(pattern)} matches no .yaml, .yml or .json file");
        }

        return matches;
    }

    private static bool IsManifestFile(string path) =>
        Path.GetExtension(path) is ".yaml" or ".yml" or ".json";

    private static void ReadFile(string file, List<ManifestObject> objects, List<IgnoredObject> ignored, List<ScenarioError> errors)
    {
        string text;
        try
        {
            text = BoundedFile.ReadText(file, MaxFileBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add(new ScenarioError(file, 1, 1, $"cannot read the manifest: {e.Message}"));
            return;
        }

        ReadText(text, file, objects, ignored, errors);
    }

    private static void ReadText(string text, string file, List<ManifestObject> objects, List<IgnoredObject> ignored, List<ScenarioError> errors)
    {
        var d = new Diagnostics(file, text);
        var stream = new YamlStream();
        var parser = new LimitedParser(text);
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            errors.Add(d.At(e.Start, $"not valid YAML: {Clean(e.InnerException?.Message ?? e.Message)}"));
            return;
        }
        catch (Exception e) when (e is not (OutOfMemoryException or ScenarioException))
        {
            errors.Add(d.At(parser.Last, $"not valid YAML: {Clean(e.Message)}"));
            return;
        }

        foreach (var document in stream.Documents)
        {
            Document(document.RootNode, file, d, objects, ignored, listDepth: 0);
        }

        errors.AddRange(d.Errors);
    }

    private static void Document(YamlNode root, string file, Diagnostics d, List<ManifestObject> objects, List<IgnoredObject> ignored, int listDepth)
    {
        if (root is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" })
        {
            return; // an empty document (a trailing ---, a file of comments): kubectl skips it
        }

        if (root is not YamlMappingNode map)
        {
            d.Error(root, $"expected a Kubernetes object (a mapping with apiVersion, kind and metadata); found {YamlMap.Describe(root)}");
            return;
        }

        string? apiVersion = Word(map, "apiVersion");
        string? kind = Word(map, "kind");
        if (apiVersion is null || kind is null)
        {
            var missing = new[] { apiVersion is null ? "apiVersion not set" : null, kind is null ? "kind not set" : null }.OfType<string>();
            d.Error(root, $"error validating data: [{string.Join(", ", missing)}]");
            return;
        }

        var metadata = Child(map, "metadata") as YamlMappingNode;
        string name = metadata is null ? "" : Word(metadata, "name") ?? "";
        if (kind == "List" && apiVersion == "v1")
        {
            if (listDepth > 0 || Child(map, "items") is not YamlSequenceNode items)
            {
                d.Error(root, "kind List: expected items, a list of objects (Lists do not nest)");
                return;
            }

            foreach (var item in items.Children)
            {
                Document(item, file, d, objects, ignored, listDepth + 1);
            }

            return;
        }

        if (!ManifestKinds.Known.ContainsKey(kind) && ManifestKinds.ServedKinds.TryGetValue(apiVersion, out var served) && !served.Contains(kind, StringComparer.Ordinal))
        {
            d.Error(Child(map, "kind"), $"resource mapping not found for name: {Q(name)}: no matches for kind {Q(kind)} in version {Q(apiVersion)}{Loading.DidYouMean.Suggest(kind, served)}; {apiVersion} serves {string.Join(", ", served)}");
            return;
        }

        if (!ManifestKinds.Known.TryGetValue(kind, out var known))
        {
            ignored.Add(new IgnoredObject(d.File, (int)root.Start.Line, apiVersion, kind, name));
            return;
        }

        if (apiVersion != known.ApiVersion)
        {
            d.Error(Child(map, "apiVersion"), $"resource mapping not found for name: {Q(name)}: no matches for kind {Q(kind)} in version {Q(apiVersion)}; the API serves {kind} as {known.ApiVersion}");
            return;
        }

        string version = apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[(apiVersion.IndexOf('/', StringComparison.Ordinal) + 1)..] : apiVersion;
        int before = d.Errors.Count;
        var json = new StrictDecoder(d, $"{kind} in version \"{version}\" cannot be handled as a {kind}").Decode(root, known.Type);
        if (name.Length == 0)
        {
            d.Error(metadata ?? root, $"{kind}: metadata.name: Required value: name or generateName is required (NetPerf reads named objects only)");
        }
        else if (!NameValid(kind, name))
        {
            d.Error(Child(metadata!, "name"), $"{kind} {Q(name)} is invalid: metadata.name: Invalid value: {Q(name)}: "
                + (kind is "Service" or "Namespace"
                    ? "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (at most 63)"
                    : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (at most 253)"));
        }

        if (d.Errors.Count > before || json is null)
        {
            return;
        }

        k8s.IKubernetesObject<k8s.Models.V1ObjectMeta> obj;
        try
        {
            obj = ManifestKinds.Deserialize(kind, json.ToJsonString());
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or FormatException or InvalidOperationException or ArgumentException or OverflowException)
        {
            d.Error(root, $"{kind} {Q(name)}: cannot be decoded: {Clean(e.Message)}");
            return;
        }

        string ns = ManifestKinds.ClusterScoped(kind) ? "" : obj.Metadata.NamespaceProperty is { Length: > 0 } given ? given : "default";
        objects.Add(new ManifestObject(d.File, (int)root.Start.Line, (int)root.Start.Column, kind, ns, name, obj) { Yaml = root });
    }

    /// <summary>What the API server would refuse across objects: the same object twice, a namespace that does not exist.</summary>
    private static void CheckSet(List<ManifestObject> objects, List<ScenarioError> errors)
    {
        var seen = new Dictionary<(string, string, string), ManifestObject>();
        var namespaces = new HashSet<string>(["default", "kube-system", "kube-public", "kube-node-lease"], StringComparer.Ordinal);
        namespaces.UnionWith(objects.Where(o => o.Kind == "Namespace").Select(o => o.Name));
        var dropped = new List<ManifestObject>();
        foreach (var o in objects)
        {
            if (seen.TryGetValue((o.Kind, o.Namespace, o.Name), out var first))
            {
                errors.Add(new ScenarioError(o.File, o.Line, o.Column, $"{o.Kind} {Q(o.Name)} is defined twice (first at {first.File}:{first.Line}); kubectl apply would keep only the last: remove one"));
                dropped.Add(o);
                continue;
            }

            seen[(o.Kind, o.Namespace, o.Name)] = o;
            if (o.Namespace.Length > 0 && !namespaces.Contains(o.Namespace))
            {
                errors.Add(new ScenarioError(o.File, o.Line, o.Column, $"Error from server (NotFound): error when creating {Q(o.File)}: namespaces {Q(o.Namespace)} not found (add a Namespace object named {Q(o.Namespace)})"));
            }
        }

        objects.RemoveAll(dropped.Contains);
    }

    private static bool NameValid(string kind, string name) =>
        kind is "Service" or "Namespace" ? Dns1035().IsMatch(name) : name.Length <= 253 && Dns1123Subdomain().IsMatch(name);

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode { Value: { } k } && k == key).Value;

    private static string? Word(YamlMappingNode map, string key) => Child(map, key) is YamlScalarNode { Value: { Length: > 0 } s } ? s : null;

    /// <summary>A value in double quotes, as the API server quotes names in its messages (escaped once more by ScenarioError).</summary>
    internal static string Q(string s) => $"\"{s}\"";

    private static string Clean(string message) => message.Replace("\r", "").Replace("\n", " ");

    [GeneratedRegex(@"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?\z")]
    private static partial Regex Dns1035();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\z")]
    private static partial Regex Dns1123Subdomain();
}

/// <summary>A path, directory or glob to read manifests from: relative to <see cref="Folder"/>, confined to <see cref="ConfineTo"/> when set, reported at <see cref="At"/>.</summary>
internal sealed record ManifestSource(string Pattern, string Folder, string? ConfineTo, YamlNode? At);
