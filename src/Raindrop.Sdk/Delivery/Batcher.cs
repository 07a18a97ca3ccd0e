namespace Raindrop.Delivery;

/// <summary>
/// The batch a route's loop is filling, and when it is due: at <c>BatchSize</c> items, at the body limit in estimated
/// bytes, or <c>FlushInterval</c> after its first item (WIRE.md §5). Used by the loop only; time comes from the
/// client's <see cref="TimeProvider"/>.
/// </summary>
internal sealed class Batcher
{
    private readonly int _maxItems;
    private readonly long _maxBytes;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly List<QueuedItem> _items;
    private long _started;

    public Batcher(int maxItems, long maxBytes, TimeSpan interval, TimeProvider time)
    {
        _maxItems = Math.Max(1, maxItems);
        _maxBytes = maxBytes;
        _interval = interval;
        _time = time;
        _items = new List<QueuedItem>(_maxItems);
    }

    public int Count => _items.Count;

    /// <summary>The estimated bytes of the items held.</summary>
    public long Bytes { get; private set; }

    public bool IsFull => _items.Count >= _maxItems || Bytes >= _maxBytes;

    /// <summary>How many more items fill the batch.</summary>
    public int Missing => Math.Max(0, _maxItems - _items.Count);

    /// <summary>Full, or holding items for at least the interval.</summary>
    public bool IsDue => IsFull || (_items.Count > 0 && _time.GetElapsedTime(_started) >= _interval);

    /// <summary>What is left of the interval for the items held (at least 1 ms: a timer may fire a little early).</summary>
    public TimeSpan TimeLeft
    {
        get
        {
            var left = _interval - _time.GetElapsedTime(_started);
            return left > TimeSpan.FromMilliseconds(1) ? left : TimeSpan.FromMilliseconds(1);
        }
    }

    public void Add(QueuedItem item)
    {
        if (_items.Count == 0)
        {
            _started = _time.GetTimestamp();
        }

        _items.Add(item);
        Bytes += item.EstimatedBytes;
    }

    /// <summary>The items held, for the dispatcher to write; it empties the list with <see cref="Clear"/> once they are written.</summary>
    public IReadOnlyList<QueuedItem> Items => _items;

    public void Clear()
    {
        _items.Clear();
        Bytes = 0;
    }
}
