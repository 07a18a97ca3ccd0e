using System.Buffers;

namespace Raindrop.Delivery;

/// <summary>
/// One request's bytes in a pooled buffer, written once and resent unchanged on every retry. A JSON array keeps its
/// items' segments, so a 413 can split it in halves without serializing again.
/// </summary>
internal sealed class RequestBody
{
    private byte[]? _rented;

    private RequestBody(byte[] rented, int length, ReadOnlyMemory<byte>[]? segments, string? orderKey)
    {
        _rented = rented;
        Content = rented.AsMemory(0, length);
        Segments = segments;
        OrderKey = orderKey;
    }

    public ReadOnlyMemory<byte> Content { get; }

    /// <summary>The array's items, pointing into <see cref="Content"/>; null for a single object.</summary>
    public ReadOnlyMemory<byte>[]? Segments { get; }

    /// <summary>See <see cref="QueuedItem.OrderKey"/>.</summary>
    public string? OrderKey { get; }

    public int Count => Segments?.Length ?? 1;

    /// <summary>A body that is the item's object itself (one event per <c>events/track_partial</c> request).</summary>
    public static RequestBody Single(ReadOnlySpan<byte> item, string? orderKey)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(item.Length);
        item.CopyTo(bytes);
        return new RequestBody(bytes, item.Length, null, orderKey);
    }

    /// <summary>A JSON array of the items; its segments point into its own buffer, so the source can be reused.</summary>
    public static RequestBody Array(ReadOnlySpan<ReadOnlyMemory<byte>> items)
    {
        var size = 1 + items.Length;
        foreach (var item in items)
        {
            size += item.Length;
        }

        var bytes = ArrayPool<byte>.Shared.Rent(size);
        var segments = new ReadOnlyMemory<byte>[items.Length];
        var at = 0;
        for (var i = 0; i < items.Length; i++)
        {
            bytes[at++] = i == 0 ? (byte)'[' : (byte)',';
            items[i].Span.CopyTo(bytes.AsSpan(at));
            segments[i] = bytes.AsMemory(at, items[i].Length);
            at += items[i].Length;
        }

        bytes[at] = (byte)']';
        return new RequestBody(bytes, size, segments, null);
    }

    /// <summary>Two bodies of half the items each (after a 413 on an array).</summary>
    public (RequestBody First, RequestBody Second) Split()
    {
        var half = Segments!.Length / 2;
        return (Array(Segments.AsSpan(0, half)), Array(Segments.AsSpan(half)));
    }

    /// <summary>
    /// Returns the pooled buffer, once the server has read it all (a 2xx). A send cut off by the close deadline may still
    /// be reading it: that buffer is left to the GC.
    /// </summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _rented, null) is { } bytes)
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }
}
