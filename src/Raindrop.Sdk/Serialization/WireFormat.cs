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

    public static string FormatTimestamp(DateTimeOffset value)
    {
        Span<byte> buffer = stackalloc byte[24];
        Format(value, buffer);
        return System.Text.Encoding.ASCII.GetString(buffer);
    }

    public static void WriteTimestamp(Utf8JsonWriter writer, string name, DateTimeOffset value)
    {
        Span<byte> buffer = stackalloc byte[24];
        Format(value, buffer);
        writer.WriteString(name, buffer);
    }

    // yyyy-MM-ddTHH:mm:ss.fffZ in UTC, digit by digit: a custom format string is parsed on every call.
    private static void Format(DateTimeOffset value, Span<byte> b)
    {
        var t = value.UtcDateTime;
        Digits(b[..4], t.Year);
        b[4] = (byte)'-';
        Digits(b.Slice(5, 2), t.Month);
        b[7] = (byte)'-';
        Digits(b.Slice(8, 2), t.Day);
        b[10] = (byte)'T';
        Digits(b.Slice(11, 2), t.Hour);
        b[13] = (byte)':';
        Digits(b.Slice(14, 2), t.Minute);
        b[16] = (byte)':';
        Digits(b.Slice(17, 2), t.Second);
        b[19] = (byte)'.';
        Digits(b.Slice(20, 3), t.Millisecond);
        b[23] = (byte)'Z';
    }

    private static void Digits(Span<byte> destination, int value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }
}
