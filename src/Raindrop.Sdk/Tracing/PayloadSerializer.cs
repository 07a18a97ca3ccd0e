using System.Buffers;
using System.Text;
using System.Text.Json;
using Raindrop.Serialization;

namespace Raindrop.Tracing;

/// <summary>
/// Turns a span's input or output, already snapshotted (<see cref="ValueSnapshot"/>, WIRE.md §2), into capped JSON
/// text. A value that grows past the cap while being written is recorded as a short description instead: never thrown.
/// </summary>
internal static class PayloadSerializer
{
    public static string Serialize(object? snapshot, int maxChars)
    {
        if (snapshot is string s)
        {
            return TextLimits.Truncate(s, maxChars);
        }

        // UTF-8 needs at most 3 bytes per UTF-16 char; past that the text is over the cap anyway.
        var buffer = new CappedBufferWriter((int)Math.Min(int.MaxValue - 64, (maxChars * 3L) + 64));
        try
        {
            using (var writer = new Utf8JsonWriter(buffer, WireFormat.WriterOptions))
            {
                JsonValueWriter.WriteValue(writer, snapshot, maxChars, 1);
            }

            return TextLimits.Truncate(Encoding.UTF8.GetString(buffer.WrittenSpan), maxChars);
        }
        catch (CappedBufferWriter.CapExceededException)
        {
            return ValueSnapshot.Describe("too large");
        }
        catch (Exception ex)
        {
            return ValueSnapshot.Describe(ex.GetType().Name);
        }
    }

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
