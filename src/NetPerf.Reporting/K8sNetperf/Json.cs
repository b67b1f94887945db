using System.Globalization;
using System.Text;

namespace NetPerf.Reporting.K8sNetperf;

/// <summary>
/// Just enough of Go's encoding/json to reproduce json.MarshalIndent byte for byte: objects keep their fields'
/// order (a Go struct's), a nil slice is null, an empty array or object stays "[]" or "{}", each element starts
/// a line of prefix + indent x depth, and a key is followed by ": ". Strings are escaped as Go escapes them
/// (its HTML-safe &lt;, &gt;, &amp; as \u003c, \u003e, \u0026).
/// </summary>
public static class Json
{
    public abstract record Value
    {
        public static implicit operator Value(string s) => new Str(s);
        public static implicit operator Value(bool b) => new Bool(b);
        public static implicit operator Value(int i) => new Num(GoFormatInt(i));
        public static implicit operator Value(double d) => new Num(GoFormat.Json(d));
    }

    public sealed record Str(string S) : Value;
    public sealed record Bool(bool B) : Value;
    public sealed record Num(string Text) : Value;
    public sealed record Arr(IReadOnlyList<Value?> Items) : Value;
    public sealed record Obj(IReadOnlyList<(string Key, Value? Value)> Fields) : Value;

    private static string GoFormatInt(int i) => i.ToString(CultureInfo.InvariantCulture);

    public static void Write(StringBuilder sb, Value? v, string prefix, string indent, int depth)
    {
        void NewLine(int d)
        {
            sb.Append('\n').Append(prefix);
            for (int i = 0; i < d; i++)
            {
                sb.Append(indent);
            }
        }

        switch (v)
        {
            case null:
                sb.Append("null");
                break;
            case Str s:
                Quote(sb, s.S);
                break;
            case Bool b:
                sb.Append(b.B ? "true" : "false");
                break;
            case Num n:
                sb.Append(n.Text);
                break;
            case Arr a when a.Items.Count == 0:
                sb.Append("[]");
                break;
            case Arr a:
                sb.Append('[');
                for (int i = 0; i < a.Items.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    NewLine(depth + 1);
                    Write(sb, a.Items[i], prefix, indent, depth + 1);
                }

                NewLine(depth);
                sb.Append(']');
                break;
            case Obj o when o.Fields.Count == 0:
                sb.Append("{}");
                break;
            case Obj o:
                sb.Append('{');
                for (int i = 0; i < o.Fields.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    NewLine(depth + 1);
                    Quote(sb, o.Fields[i].Key);
                    sb.Append(": ");
                    Write(sb, o.Fields[i].Value, prefix, indent, depth + 1);
                }

                NewLine(depth);
                sb.Append('}');
                break;
        }
    }

    private static void Quote(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '<' or '>' or '&' or '\u2028' or '\u2029':
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                case < ' ':
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: sb.Append(c); break;
            }
        }

        sb.Append('"');
    }
}
