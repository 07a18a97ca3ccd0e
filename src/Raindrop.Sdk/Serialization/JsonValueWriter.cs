using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Raindrop.Serialization;

/// <summary>
/// Writes snapshotted values (<see cref="ValueSnapshot"/>: properties, traits, span payloads) without reflection:
/// primitives, strings, member arrays, lists and <see cref="JsonElement"/> (the snapshot has already turned
/// <see cref="JsonNode"/> trees, dictionaries and lazy sequences into these). Strings longer than
/// <c>stringCap</c> are truncated with the marker (used only to shrink an oversized event); nesting past
/// <see cref="WireFormat.MaxValueDepth"/> is written as a string rather than thrown on.
/// </summary>
internal static class JsonValueWriter
{
    public const string DepthMarker = "[max depth exceeded]";

    public static void WriteString(Utf8JsonWriter writer, string value, int stringCap)
    {
        writer.WriteStringValue(TextLimits.SanitizeSurrogates(TextLimits.Truncate(value, stringCap)));
    }

    /// <summary>Writes string-keyed members (a copied property array, a dictionary) as a JSON object.</summary>
    public static void WriteObject(Utf8JsonWriter writer, IEnumerable<KeyValuePair<string, object?>>? members, int stringCap, int depth = 1)
    {
        writer.WriteStartObject();
        if (members is not null)
        {
            foreach (var (key, value) in members)
            {
                writer.WritePropertyName(TextLimits.Key(key));
                WriteValue(writer, value, stringCap, depth + 1);
            }
        }

        writer.WriteEndObject();
    }

    public static void WriteValue(Utf8JsonWriter writer, object? value, int stringCap, int depth)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                return;
            case string s:
                WriteString(writer, s, stringCap);
                return;
            case bool b:
                writer.WriteBooleanValue(b);
                return;
            case int i:
                writer.WriteNumberValue(i);
                return;
            case long l:
                writer.WriteNumberValue(l);
                return;
            case double d:
                WriteDouble(writer, d);
                return;
            case float f:
                WriteDouble(writer, f);
                return;
            case decimal m:
                writer.WriteNumberValue(m);
                return;
            case short or byte or sbyte or ushort:
                writer.WriteNumberValue(Convert.ToInt32(value, CultureInfo.InvariantCulture));
                return;
            case uint ui:
                writer.WriteNumberValue(ui);
                return;
            case ulong ul:
                writer.WriteNumberValue(ul);
                return;
            case char c:
                WriteString(writer, c.ToString(), stringCap);
                return;
            case DateTimeOffset dto:
                writer.WriteStringValue(WireFormat.FormatTimestamp(dto));
                return;
            case DateTime dt:
                writer.WriteStringValue(WireFormat.FormatTimestamp(dt.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(dt, TimeSpan.Zero) : new DateTimeOffset(dt)));
                return;
            case Guid g:
                writer.WriteStringValue(g);
                return;
            case TimeSpan ts:
                writer.WriteStringValue(ts.ToString("c", CultureInfo.InvariantCulture));
                return;
            case Uri uri:
                WriteString(writer, uri.OriginalString, stringCap);
                return;
            case Enum e:
                writer.WriteStringValue(e.ToString());
                return;
            case JsonElement element:
                JsonElementWriter.Write(writer, element, stringCap, depth);
                return;
        }

        if (depth > WireFormat.MaxValueDepth)
        {
            writer.WriteStringValue(DepthMarker);
            return;
        }

        switch (value)
        {
            case IEnumerable<KeyValuePair<string, object?>> members:
                WriteObject(writer, members, stringCap, depth);
                return;
            case IEnumerable list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    WriteValue(writer, item, stringCap, depth + 1);
                }

                writer.WriteEndArray();
                return;
        }

        WriteUnknown(writer, value, stringCap);
    }

    private static void WriteDouble(Utf8JsonWriter writer, double d)
    {
        if (double.IsFinite(d))
        {
            writer.WriteNumberValue(d);
        }
        else
        {
            writer.WriteNullValue(); // JSON has no NaN or Infinity
        }
    }

    // Values reach the writer as snapshots (ValueSnapshot turned every other shape into these), so this is only a
    // guard: a description, never app code run on the background worker.
    private static void WriteUnknown(Utf8JsonWriter writer, object value, int stringCap) =>
        WriteString(writer, ValueSnapshot.Describe(value.GetType().Name), stringCap);
}
