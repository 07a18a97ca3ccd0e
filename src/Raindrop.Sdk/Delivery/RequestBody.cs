using System.Buffers;

namespace Raindrop.Delivery;

/// <summary>One request's bytes in a pooled buffer, written once and resent unchanged on every retry.</summary>
internal sealed class RequestBody
{
    private byte[]? _rented;

    public RequestBody(ReadOnlySpan<byte> json, QueuedItem[]? items, string? orderKey)
    {
        _rented = ArrayPool<byte>.Shared.Rent(json.Length);
        json.CopyTo(_rented);
        Content = _rented.AsMemory(0, json.Length);
        Items = items;
        OrderKey = orderKey;
    }

    public ReadOnlyMemory<byte> Content { get; }

    /// <summary>The items of a JSON array, kept so that a 413 can split them; null for a single object.</summary>
    public QueuedItem[]? Items { get; }

    /// <summary>See <see cref="QueuedItem.OrderKey"/>.</summary>
    public string? OrderKey { get; }

    public int Count => Items?.Length ?? 1;

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
