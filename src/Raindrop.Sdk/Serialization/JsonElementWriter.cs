using System.Text.Json;

namespace Raindrop.Serialization;

/// <summary>
/// Writes <see cref="JsonElement"/> values member by member, so the depth limit, the string cap and lone-surrogate
/// repair apply to them as to any other value.
/// </summary>
internal static class JsonElementWriter
{
    // A string element short enough to need no cap and free of \u escapes (which may hide a lone surrogate) can be
    // copied as it is.
    private static bool CanCopy(JsonElement element, int stringCap)
    {
#if NET9_0_OR_GREATER
        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(element);
        return raw.Length <= stringCap && raw.IndexOf("\\u"u8) < 0;
#else
        _ = element;
        _ = stringCap;
        return false;
#endif
    }

    // JsonElement refuses escaped lone surrogates ("\uDC00"); decode those from the raw text instead of throwing.
    internal static string StringOf(JsonElement element)
    {
        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return JsonStringLiteral.Decode(element.GetRawText());
        }
    }

    private static string NameOf(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            return JsonStringLiteral.Decode(property.ToString());
        }
    }

    public static void Write(Utf8JsonWriter writer, JsonElement element, int stringCap, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                if (depth > WireFormat.MaxValueDepth)
                {
                    writer.WriteStringValue(JsonValueWriter.DepthMarker);
                    return;
                }

                writer.WriteStartObject();
                foreach (var p in element.EnumerateObject())
                {
                    writer.WritePropertyName(TextLimits.Key(NameOf(p)));
                    Write(writer, p.Value, stringCap, depth + 1);
                }

                writer.WriteEndObject();
                return;
            case JsonValueKind.Array:
                if (depth > WireFormat.MaxValueDepth)
                {
                    writer.WriteStringValue(JsonValueWriter.DepthMarker);
                    return;
                }

                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item, stringCap, depth + 1);
                }

                writer.WriteEndArray();
                return;
            case JsonValueKind.String:
                if (CanCopy(element, stringCap))
                {
                    element.WriteTo(writer); // no decode/re-encode, no string allocated
                }
                else
                {
                    JsonValueWriter.WriteString(writer, StringOf(element), stringCap);
                }

                return;
            case JsonValueKind.Undefined:
                writer.WriteNullValue();
                return;
            default:
                element.WriteTo(writer); // numbers keep their exact text; true/false/null
                return;
        }
    }
}
