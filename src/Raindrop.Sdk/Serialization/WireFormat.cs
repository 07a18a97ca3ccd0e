using System.Globalization;
using System.Text.Json;

namespace Raindrop.Serialization;

/// <summary>Writer settings and the wire's timestamp format, shared by every writer.</summary>
internal static class WireFormat
{
    /// <summary>Deeper than this, a property value is written as a short string instead of recursing.</summary>
    public const int MaxValueDepth = 900;

    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = MinimalJsonEncoder.Instance,
        MaxDepth = MaxValueDepth + 64,
        Indented = false,
    };

    public static string FormatTimestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static void WriteTimestamp(Utf8JsonWriter writer, string name, DateTimeOffset value)
    {
        Span<char> buffer = stackalloc char[24];
        value.UtcDateTime.TryFormat(buffer, out var written, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        writer.WriteString(name, buffer[..written]);
    }
}
