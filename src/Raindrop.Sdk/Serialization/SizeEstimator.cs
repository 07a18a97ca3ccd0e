using System.Collections;
using System.Text.Json;

namespace Raindrop.Serialization;

/// <summary>
/// A cheap, approximate byte size of a snapshotted value (<see cref="ValueSnapshot"/>) for the queue's byte bound:
/// string lengths plus a little per entry. Deep structures are estimated from their first levels; exactness is not needed.
/// </summary>
internal static class SizeEstimator
{
    private const int PerValue = 8;
    private const int MaxDepth = 16;

    public static int Estimate(string? text) => text is null ? 0 : text.Length + PerValue;

    public static long Estimate(object? value, int depth = 0)
    {
        switch (value)
        {
            case null:
                return PerValue;
            case string s:
                return s.Length + PerValue;
            case JsonElement e:
                return PerValue + RawLength(e);
            case IEnumerable<KeyValuePair<string, object?>> members when depth < MaxDepth:
                return Estimate(members, depth);
            case IEnumerable list when depth < MaxDepth:
                long total = PerValue;
                foreach (var item in list)
                {
                    total += Estimate(item, depth + 1);
                }

                return total;
            default:
                return 32;
        }
    }

    /// <summary>The size of string-keyed members: a copied property array, or a nested dictionary.</summary>
    public static long Estimate(IEnumerable<KeyValuePair<string, object?>>? members, int depth = 0)
    {
        long total = 2;
        switch (members)
        {
            case null:
                return total;
            case KeyValuePair<string, object?>[] array:
                foreach (var (key, value) in array)
                {
                    total += (key?.Length ?? 0) + 4 + Estimate(value, depth + 1); // no enumerator allocated on the caller's path
                }

                return total;
            default:
                foreach (var (key, value) in members)
                {
                    total += (key?.Length ?? 0) + 4 + Estimate(value, depth + 1);
                }

                return total;
        }
    }

    public static long Estimate(IReadOnlyList<Attachment>? attachments) =>
        attachments is null ? 0 : EstimateAttachments(attachments); // small, so it inlines into the calls

    private static long EstimateAttachments(IReadOnlyList<Attachment> attachments)
    {
        long total = 0;
        foreach (var a in attachments)
        {
            total += 48 + a.Value.Length + (a.Name?.Length ?? 0) + (a.Language?.Length ?? 0) + (a.AttachmentId?.Length ?? 0);
        }

        return total;
    }

    // The element's JSON text length, without materializing it where the runtime allows.
    private static long RawLength(JsonElement e) =>
#if NET9_0_OR_GREATER
        System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(e).Length;
#else
        e.ValueKind is JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.String ? e.GetRawText().Length : 8;
#endif

    public static int Clamp(long estimate) => (int)Math.Min(int.MaxValue, estimate);
}
