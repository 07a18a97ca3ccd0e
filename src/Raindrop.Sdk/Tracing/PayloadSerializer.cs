using System.Buffers;
using System.Text;
using System.Text.Json;
using Raindrop.Serialization;

namespace Raindrop.Tracing;

/// <summary>
/// Turns a span's input or output into capped JSON text. A value that cannot be written (a cycle, a stream) or
/// that grows past the cap while being written is recorded as a short description instead: never thrown.
/// </summary>
internal static class PayloadSerializer
{
    public static string Serialize(object? value, int maxChars, out bool failed)
    {
        failed = false;
        if (value is string s)
        {
            return TextLimits.Truncate(s, maxChars);
        }

        if (value is Stream)
        {
            failed = true;
            return Describe(value, "stream");
        }

        if (IsPlainObject(value) && !JsonSerializer.IsReflectionEnabledByDefault)
        {
            return TextLimits.Truncate(value!.ToString() ?? value.GetType().Name, maxChars);
        }

        // UTF-8 needs at most 3 bytes per UTF-16 char; past that the text is over the cap anyway.
        var buffer = new CappedBufferWriter((int)Math.Min(int.MaxValue - 64, (maxChars * 3L) + 64));
        try
        {
            using (var writer = new Utf8JsonWriter(buffer, WireFormat.WriterOptions))
            {
                if (IsPlainObject(value))
                {
                    SerializeObject(writer, value!);
                }
                else
                {
                    JsonValueWriter.WriteValue(writer, value, maxChars, 1);
                }
            }

            return TextLimits.Truncate(Encoding.UTF8.GetString(buffer.WrittenSpan), maxChars);
        }
        catch (CappedBufferWriter.CapExceededException)
        {
            failed = true;
            return Describe(value, "too large");
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or ArgumentException or JsonException or IOException)
        {
            failed = true;
            return Describe(value, ex is JsonException ? "cycle or unsupported shape" : "not serializable");
        }
    }

    // Records, classes and anonymous types: System.Text.Json reflection where the app allows it, so a cycle is
    // reported as one (the property writer would fall back to ToString() silently).
    private static bool IsPlainObject(object? value) =>
        value is not null and not System.Collections.IEnumerable and not JsonElement and not System.Text.Json.Nodes.JsonNode
        && !value.GetType().IsPrimitive && value is not (decimal or DateTime or DateTimeOffset or Guid or TimeSpan or Uri or Enum);

    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only called when JsonSerializer.IsReflectionEnabledByDefault.")]
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only called when JsonSerializer.IsReflectionEnabledByDefault.")]
    private static void SerializeObject(Utf8JsonWriter writer, object value) => JsonSerializer.Serialize(writer, value, value.GetType());

    private static string Describe(object? value, string why) => $"[{value?.GetType().Name ?? "null"}: {why}]";

    /// <summary>A buffer writer that refuses to grow past a size, so a huge object is not written whole.</summary>
    private sealed class CappedBufferWriter(int cap) : IBufferWriter<byte>
    {
        private readonly ArrayBufferWriter<byte> _inner = new(256);

        public ReadOnlySpan<byte> WrittenSpan => _inner.WrittenSpan;

        // The writer asks for room generously; what counts is what it writes.
        public void Advance(int count)
        {
            if (_inner.WrittenCount + (long)count > cap)
            {
                throw new CapExceededException();
            }

            _inner.Advance(count);
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint);

        public sealed class CapExceededException : Exception
        {
        }
    }
}
