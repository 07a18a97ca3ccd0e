namespace Raindrop.Delivery;

/// <summary>
/// One request's bytes, written once and resent unchanged on every retry, with the item segments it was
/// built from so a 413 can split it without serializing again.
/// </summary>
internal sealed class RequestBody
{
    private int _settled;

    public RequestBody(ReadOnlyMemory<byte> content, ReadOnlyMemory<byte>[] segments, bool isArray, string? orderKey = null)
    {
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

    /// <summary>Claims the right to count this body's outcome; false when it was already counted (e.g. abandoned at close).</summary>
    public bool TrySettle() => Interlocked.Exchange(ref _settled, 1) == 0;

    /// <summary>Builds a body from item segments: a JSON array, or the single object itself.</summary>
    public static RequestBody Compose(ReadOnlyMemory<byte>[] segments, bool isArray, string? orderKey = null)
    {
        if (!isArray)
        {
            return new RequestBody(segments[0], segments, isArray: false, orderKey);
        }

        var size = 2 + Math.Max(0, segments.Length - 1);
        foreach (var s in segments)
        {
            size += s.Length;
        }

        var bytes = new byte[size];
        var at = 0;
        bytes[at++] = (byte)'[';
        for (var i = 0; i < segments.Length; i++)
        {
            if (i > 0)
            {
                bytes[at++] = (byte)',';
            }

            segments[i].Span.CopyTo(bytes.AsSpan(at));
            at += segments[i].Length;
        }

        bytes[at] = (byte)']';
        return new RequestBody(bytes, segments, isArray: true);
    }

    /// <summary>Splits a multi-item body in two halves (after a 413).</summary>
    public (RequestBody First, RequestBody Second) Split()
    {
        var half = Segments.Length / 2;
        return (Compose(Segments[..half], IsArray), Compose(Segments[half..], IsArray));
    }
}
