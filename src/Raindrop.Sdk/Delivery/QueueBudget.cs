namespace Raindrop.Delivery;

/// <summary>
/// The queue's two bounds, items and approximate bytes, shared by every route of a client. Items count
/// against it from enqueue until the worker sends their batch.
/// </summary>
internal sealed class QueueBudget
{
    private readonly long _maxItems;
    private readonly long _maxBytes;
    private long _items;
    private long _bytes;

    public QueueBudget(long maxItems, long maxBytes)
    {
        _maxItems = maxItems;
        _maxBytes = maxBytes;
    }

    public bool IsOver => Volatile.Read(ref _items) > _maxItems || Volatile.Read(ref _bytes) > _maxBytes;

    /// <summary>At (or over) a bound: the next item makes it over.</summary>
    public bool IsFull => Volatile.Read(ref _items) >= _maxItems || Volatile.Read(ref _bytes) >= _maxBytes;

    public void Add(int bytes)
    {
        Interlocked.Increment(ref _items);
        Interlocked.Add(ref _bytes, bytes);
    }

    public void Remove(int bytes) => Remove(1, bytes);

    /// <summary>Removes several items at once (the worker releases a whole batch: fewer contended writes).</summary>
    public void Remove(int items, long bytes)
    {
        Interlocked.Add(ref _items, -items);
        Interlocked.Add(ref _bytes, -bytes);
    }
}
