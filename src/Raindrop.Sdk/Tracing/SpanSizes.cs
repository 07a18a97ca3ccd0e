using System.Diagnostics;
using System.Text;
using Raindrop.Serialization;

namespace Raindrop.Tracing;

/// <summary>
/// Keeps every trace export under the body limit (WIRE.md §2 and §7: a request is never over 1 MiB, whatever the app
/// passed): a span's protobuf size is estimated from its strings, a batch over the limit is cut into batches that fit,
/// and a span over the limit on its own has its largest string attributes cut, with the truncation marker, until it
/// fits. Spans are not dropped for their size.
/// </summary>
internal static class SpanSizes
{
    // Per span (ids, times, kind, status, framing) and per attribute (key framing, value type): generous, so a batch
    // estimated to fit does fit; the resource and scope framing of the request comes off the limit once.
    private const int SpanOverhead = 160;
    private const int AttributeOverhead = 16;
    private const int RequestOverhead = 16 * 1024;

    /// <summary>The first <paramref name="count"/> spans as they are sent: null when they fit in <paramref name="limit"/> bytes together, else slices that each do.</summary>
    public static List<Activity[]>? Split(Activity[] spans, int count, int limit)
    {
        var budget = Math.Max(1024, limit - RequestOverhead);
        long total = 0;
        for (var i = 0; i < count; i++)
        {
            total += Estimate(spans[i]);
        }

        if (total <= budget)
        {
            return null;
        }

        var slices = new List<Activity[]>();
        var slice = new List<Activity>();
        long size = 0;
        for (var i = 0; i < count; i++)
        {
            var span = spans[i];
            var cost = Estimate(span);
            if (cost > budget)
            {
                cost = Shrink(span, budget);
            }

            if (slice.Count > 0 && size + cost > budget)
            {
                slices.Add([.. slice]);
                slice.Clear();
                size = 0;
            }

            slice.Add(span);
            size += cost;
        }

        if (slice.Count > 0)
        {
            slices.Add([.. slice]);
        }

        return slices;
    }

    /// <summary>The span's estimated size on the wire, in bytes.</summary>
    private static long Estimate(Activity span)
    {
        long size = SpanOverhead + span.DisplayName.Length;
        foreach (ref readonly var tag in span.EnumerateTagObjects())
        {
            size += AttributeOverhead + tag.Key.Length + ValueSize(tag.Value);
        }

        foreach (ref readonly var e in span.EnumerateEvents())
        {
            size += SpanOverhead + e.Name.Length;
            foreach (ref readonly var tag in e.EnumerateTagObjects())
            {
                size += AttributeOverhead + tag.Key.Length + ValueSize(tag.Value);
            }
        }

        foreach (ref readonly var _ in span.EnumerateLinks())
        {
            size += SpanOverhead;
        }

        return size;
    }

    /// <summary>Cuts the span's largest string attributes until it fits in <paramref name="budget"/>; returns its new estimate.</summary>
    private static long Shrink(Activity span, long budget)
    {
        var size = Estimate(span);
        for (var round = 0; round < 16 && size > budget; round++)
        {
            string? key = null;
            var longest = string.Empty;
            foreach (ref readonly var tag in span.EnumerateTagObjects())
            {
                if (tag.Value is string s && s.Length > longest.Length)
                {
                    (key, longest) = (tag.Key, s);
                }
            }

            if (key is null || longest.Length <= TextLimits.Marker.Length)
            {
                break; // nothing left to cut: sent as it is, and a 413 is logged
            }

            // Bytes over, as chars of this string (at most 3 bytes each in UTF-8, 1 for ASCII), and a little more.
            var excess = size - budget;
            var bytesPerChar = Math.Max(1.0, (double)ValueSize(longest) / longest.Length);
            var keep = Math.Max(TextLimits.Marker.Length, longest.Length - (int)Math.Min(longest.Length, (excess / bytesPerChar) + 1024));
            span.SetTag(key, TextLimits.Truncate(longest, keep));
            size = Estimate(span);
        }

        return size;
    }

    private static long ValueSize(object? value) => value switch
    {
        string s => s.Length <= 256 ? s.Length : Encoding.UTF8.GetByteCount(s), // long: exact; short: as ASCII (a 413 still splits)
        string[] a => a.Sum(static x => AttributeOverhead + (long)(x?.Length ?? 0)),
        _ => 16,
    };
}
