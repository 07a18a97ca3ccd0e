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
    // Kept past one payload only while small, so a thread that once wrote a huge payload does not hold its buffer.
    private const int KeptBytes = 16 * 1024;

    // One writer and buffer per thread, reused: a span's input and output are written on every helper call.
    [ThreadStatic]
    private static Scratch? _scratch;

    public static string Serialize(object? snapshot, int maxChars)
    {
        if (snapshot is string s)
        {
            return TextLimits.Truncate(s, maxChars);
        }

        // UTF-8 needs at most 3 bytes per UTF-16 char; past that the text is over the cap anyway.
        var scratch = _scratch ?? new Scratch();
        _scratch = null; // not shared with a nested call on this thread
        scratch.Reset((int)Math.Min(int.MaxValue - 64, (maxChars * 3L) + 64));
        try
        {
            JsonValueWriter.WriteValue(scratch.Writer, snapshot, maxChars, 1);
            scratch.Writer.Flush();
            return TextLimits.Truncate(Encoding.UTF8.GetString(scratch.Buffer.WrittenSpan), maxChars);
        }
        catch (CappedBufferWriter.CapExceededException)
        {
            return ValueSnapshot.Describe("too large");
        }
        catch (Exception ex)
        {
            return ValueSnapshot.Describe(ex.GetType().Name);
        }
        finally
        {
            if (scratch.Buffer.Capacity <= KeptBytes)
            {
                _scratch = scratch;
            }
        }
    }

    private sealed class Scratch
    {
        public Scratch()
        {
            Buffer = new CappedBufferWriter();
            Writer = new Utf8JsonWriter(Buffer, WireFormat.WriterOptions);
        }

        public CappedBufferWriter Buffer { get; }

        public Utf8JsonWriter Writer { get; }

        public void Reset(int cap)
        {
            Buffer.Reset(cap);
            Writer.Reset(Buffer);
        }
    }

    /// <summary>A buffer writer that refuses to grow past a size, so a huge object is not written whole.</summary>
    private sealed class CappedBufferWriter : IBufferWriter<byte>
    {
        private readonly ArrayBufferWriter<byte> _inner = new(256);
        private int _cap;

        public ReadOnlySpan<byte> WrittenSpan => _inner.WrittenSpan;

        public int Capacity => _inner.Capacity;

        public void Reset(int cap)
        {
            _cap = cap;
            _inner.ResetWrittenCount();
        }

        // The writer asks for room generously; what counts is what it writes.
        public void Advance(int count)
        {
            if (_inner.WrittenCount + (long)count > _cap)
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
