using System.Buffers;

namespace Raindrop.Delivery;

/// <summary>
/// One request's bytes, written once and resent unchanged on every retry, with the item segments it was
/// built from so a 413 can split it without serializing again.
/// </summary>
internal sealed class RequestBody
{
    private byte[]? _rented;

    public RequestBody(ReadOnlyMemory<byte> content, ReadOnlyMemory<byte>[] segments, bool isArray, string? orderKey = null, byte[]? rented = null)
    {
        _rented = rented;
        OrderKey = orderKey;
        Content = content;
        Segments = segments;
        IsArray = isArray;
    }

    public ReadOnlyMemory<byte> Content { get; }

    public ReadOnlyMemory<byte>[] Segments { get; }

    public bool IsArray { get; }

    /// <summary>See <see cref="QueuedItem.OrderKey"/>.</summary>
    public string? OrderKey { get; }

    public int Count => Segments.Length;

    /// <summary>
    /// Returns the pooled buffer. Only once the request is over (an HTTP answer came back): a send cut off by the close
    /// deadline may still be reading it, and that buffer is simply left to the GC.
    /// </summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _rented, null) is { } bytes)
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>
    /// Copies item segments into a new body (a JSON array, or the single object itself); the body's own segments
    /// point into its content, so the source buffer can be reused.
    /// </summary>
    public static RequestBody Compose(ReadOnlyMemory<byte>[] segments, bool isArray, string? orderKey = null)
    {
        if (!isArray)
        {
            var single = ArrayPool<byte>.Shared.Rent(segments[0].Length);
            segments[0].CopyTo(single);
            var content = single.AsMemory(0, segments[0].Length);
            return new RequestBody(content, [content], isArray: false, orderKey, single);
        }

        var own = new ReadOnlyMemory<byte>[segments.Length];
        var size = 2 + Math.Max(0, segments.Length - 1);
        foreach (var s in segments)
        {
            size += s.Length;
        }

        var bytes = ArrayPool<byte>.Shared.Rent(size); // bodies are the worker's largest allocation: pool them
        var at = 0;
        bytes[at++] = (byte)'[';
        for (var i = 0; i < segments.Length; i++)
        {
            if (i > 0)
            {
                bytes[at++] = (byte)',';
            }

            segments[i].Span.CopyTo(bytes.AsSpan(at));
            own[i] = bytes.AsMemory(at, segments[i].Length);
            at += segments[i].Length;
        }

        bytes[at] = (byte)']';
        return new RequestBody(bytes.AsMemory(0, size), own, isArray: true, rented: bytes);
    }

    /// <summary>Splits a multi-item body in two halves (after a 413).</summary>
    public (RequestBody First, RequestBody Second) Split()
    {
        var half = Segments.Length / 2;
        return (Compose(Segments[..half], IsArray), Compose(Segments[half..], IsArray));
    }
}
