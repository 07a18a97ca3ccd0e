using System.Buffers.Binary;
using System.Text;

namespace Raindrop.Sdk.Tests.Tracing;

/// <summary>One span decoded from an OTLP/HTTP protobuf body (only the fields the tests read).</summary>
public sealed record OtlpSpan(
    string Scope,
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    IReadOnlyDictionary<string, object?> Attributes,
    IReadOnlyList<string> Events,
    long StatusCode,
    string StatusMessage,
    IReadOnlyList<string> LinkedTraceIds)
{
    public string? Attr(string key) => Attributes.TryGetValue(key, out var v) ? v as string : null;

    public string? EventId => Attr("traceloop.association.properties.event_id");

    public long? Number(string key) => Attributes.TryGetValue(key, out var v) ? v switch
    {
        long l => l,
        string s when long.TryParse(s, out var p) => p,
        double d => (long)d,
        _ => null,
    } : null;

    /// <summary>Every attribute value as text, for "does this span carry X anywhere" checks.</summary>
    public string AllText => string.Join("\n", Attributes.Select(a => a.Key + "=" + a.Value));

    public override string ToString() => $"{Scope}/{Name} trace={TraceId} span={SpanId} parent={ParentSpanId} kind={Attr("traceloop.span.kind")} op={Attr("gen_ai.operation.name")}";
}

/// <summary>
/// A tiny protobuf reader for <c>ExportTraceServiceRequest</c>: resource_spans=1 → scope_spans=2 (scope=1 →
/// name=1) → spans=2 → Span: trace_id=1, span_id=2, parent_span_id=4, name=5, attributes=9, events=11, links=13
/// (trace_id=1), status=15.
/// </summary>
public static class OtlpReader
{
    public static IReadOnlyList<OtlpSpan> Read(byte[] body)
    {
        var spans = new List<OtlpSpan>();
        foreach (var (n1, rs) in LengthDelimited(body))
        {
            if (n1 != 1)
            {
                continue;
            }

            foreach (var (n2, ss) in LengthDelimited(rs))
            {
                if (n2 != 2)
                {
                    continue;
                }

                var scope = string.Empty;
                var raw = new List<ReadOnlyMemory<byte>>();
                foreach (var (n3, v) in LengthDelimited(ss))
                {
                    if (n3 == 1)
                    {
                        foreach (var (n4, s) in LengthDelimited(v))
                        {
                            if (n4 == 1)
                            {
                                scope = Encoding.UTF8.GetString(s.Span);
                            }
                        }
                    }
                    else if (n3 == 2)
                    {
                        raw.Add(v);
                    }
                }

                spans.AddRange(raw.Select(r => Span(scope, r)));
            }
        }

        return spans;
    }

    public static IReadOnlyList<OtlpSpan> ReadAll(IEnumerable<byte[]> bodies) => bodies.SelectMany(Read).ToList();

    // Convert.ToHexStringLower is .NET 9+; the tests run on .NET 8 too.
    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    private static OtlpSpan Span(string scope, ReadOnlyMemory<byte> b)
    {
        string traceId = string.Empty, spanId = string.Empty, parent = string.Empty, name = string.Empty, statusMessage = string.Empty;
        long statusCode = 0;
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        var events = new List<string>();
        var links = new List<string>();
        foreach (var f in Fields(b))
        {
            switch (f.Number)
            {
                case 1:
                    traceId = Hex(f.Bytes.Span);
                    break;
                case 2:
                    spanId = Hex(f.Bytes.Span);
                    break;
                case 4:
                    parent = Hex(f.Bytes.Span);
                    break;
                case 5:
                    name = Encoding.UTF8.GetString(f.Bytes.Span);
                    break;
                case 9:
                    var (k, val) = KeyValue(f.Bytes);
                    attributes[k] = val;
                    break;
                case 11:
                    foreach (var (n, e) in LengthDelimited(f.Bytes))
                    {
                        if (n == 2)
                        {
                            events.Add(Encoding.UTF8.GetString(e.Span));
                        }
                    }

                    break;
                case 13:
                    foreach (var l in Fields(f.Bytes))
                    {
                        if (l.Number == 1)
                        {
                            links.Add(Hex(l.Bytes.Span));
                        }
                    }

                    break;
                case 15:
                    foreach (var s in Fields(f.Bytes))
                    {
                        if (s.Number == 2)
                        {
                            statusMessage = Encoding.UTF8.GetString(s.Bytes.Span);
                        }
                        else if (s.Number == 3)
                        {
                            statusCode = (long)s.Varint;
                        }
                    }

                    break;
            }
        }

        return new OtlpSpan(scope, traceId, spanId, parent, name, attributes, events, statusCode, statusMessage, links);
    }

    private static (string Key, object? Value) KeyValue(ReadOnlyMemory<byte> b)
    {
        var key = string.Empty;
        object? value = null;
        foreach (var f in Fields(b))
        {
            if (f.Number == 1)
            {
                key = Encoding.UTF8.GetString(f.Bytes.Span);
            }
            else if (f.Number == 2)
            {
                value = AnyValue(f.Bytes);
            }
        }

        return (key, value);
    }

    private static object? AnyValue(ReadOnlyMemory<byte> b)
    {
        foreach (var f in Fields(b))
        {
            switch (f.Number)
            {
                case 1:
                    return Encoding.UTF8.GetString(f.Bytes.Span);
                case 2:
                    return f.Varint != 0;
                case 3:
                    return (long)f.Varint;
                case 4:
                    return BitConverter.Int64BitsToDouble((long)f.Varint);
            }
        }

        return null;
    }

    private static IEnumerable<(int Number, ReadOnlyMemory<byte> Bytes)> LengthDelimited(ReadOnlyMemory<byte> b) =>
        Fields(b).Where(f => f.WireType == 2).Select(f => (f.Number, f.Bytes));

    private readonly record struct Field(int Number, int WireType, ulong Varint, ReadOnlyMemory<byte> Bytes);

    private static List<Field> Fields(ReadOnlyMemory<byte> memory)
    {
        var fields = new List<Field>();
        var span = memory.Span;
        var i = 0;
        while (i < span.Length)
        {
            var key = ReadVarint(span, ref i);
            var number = (int)(key >> 3);
            var wireType = (int)(key & 7);
            switch (wireType)
            {
                case 0:
                    fields.Add(new Field(number, wireType, ReadVarint(span, ref i), default));
                    break;
                case 1:
                    fields.Add(new Field(number, wireType, BinaryPrimitives.ReadUInt64LittleEndian(span.Slice(i, 8)), memory.Slice(i, 8)));
                    i += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(span, ref i);
                    fields.Add(new Field(number, wireType, 0, memory.Slice(i, length)));
                    i += length;
                    break;
                case 5:
                    fields.Add(new Field(number, wireType, BinaryPrimitives.ReadUInt32LittleEndian(span.Slice(i, 4)), memory.Slice(i, 4)));
                    i += 4;
                    break;
                default:
                    throw new InvalidDataException($"Unsupported protobuf wire type {wireType}.");
            }
        }

        return fields;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int i)
    {
        ulong result = 0;
        var shift = 0;
        while (true)
        {
            var c = span[i++];
            result |= (ulong)(c & 0x7F) << shift;
            if ((c & 0x80) == 0)
            {
                return result;
            }

            shift += 7;
        }
    }
}
