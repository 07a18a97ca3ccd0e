using System.Collections.Concurrent;

namespace Raindrop.Delivery;

/// <summary>
/// One route's queue: many producers (the app's threads), one consumer (the route's loop). Lock-free
/// (<see cref="ConcurrentQueue{T}"/>), never blocks a producer, and bounded by the client's shared
/// <see cref="QueueBudget"/>: a producer that takes the budget over evicts this route's oldest items and is told how
/// many (drop-oldest, WIRE.md §5), so every item leaves exactly once, taken or dropped.
/// </summary>
/// <remarks>
/// <para>
/// <b>Counting and closing in one word.</b> <c>_state</c> holds the number of items reserved on the queue plus a
/// closed bit. A producer reserves its place with one <see cref="Interlocked.Increment(ref int)"/> before it enqueues,
/// so after <see cref="Close"/> the count is final: no producer that was turned away is counted, and every counted one
/// is (or is about to be) in the queue, which <see cref="DrainAll"/> waits for.
/// </para>
/// <para>
/// <b>Waking the consumer.</b> The consumer arms a wait for <c>n</c> items (<see cref="WaitAsync"/>), then re-checks
/// its conditions; a producer reads the armed count after its own interlocked increment. Both sides cross a full
/// fence, so at least one of them sees the other: the wake-up cannot be missed, and it is rung once per wait, not once
/// per item. <see cref="Wake"/> rings it for any other reason (a flush, close, the batch interval).
/// </para>
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The semaphore's wait handle is never created (only WaitAsync and Release are used), so it holds nothing to dispose.")]
internal sealed class ItemQueue
{
    private const int ClosedBit = 1 << 30;
    private const int CountMask = ClosedBit - 1;

    private readonly ConcurrentQueue<QueuedItem> _items = new();
    private readonly QueueBudget _budget;
    private readonly SemaphoreSlim _bell = new(0, 1);
    private int _state;
    private int _armed;

    public ItemQueue(QueueBudget budget) => _budget = budget;

    /// <summary>Items on the queue (counting any a producer has reserved and is about to enqueue).</summary>
    public int Count => Volatile.Read(ref _state) & CountMask;

    public bool IsClosed => (Volatile.Read(ref _state) & ClosedBit) != 0;

    /// <summary>The shared budget is at its bound: one more item evicts the oldest (taken items count until released).</summary>
    public bool AtBound => _budget.IsFull;

    /// <summary>Queues an item; false once the queue is closed. <paramref name="dropped"/> is how many of the oldest items it evicted to stay in budget.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // hot: skip the slow first tier
    public bool TryAdd(QueuedItem item, out int dropped)
    {
        dropped = 0;
        var state = Interlocked.Increment(ref _state);
        if ((state & ClosedBit) != 0)
        {
            Interlocked.Decrement(ref _state);
            return false;
        }

        _items.Enqueue(item);
        _budget.Add(item.EstimatedBytes);
        if (_budget.IsOver)
        {
            dropped = EvictOldest();
        }

        // An eviction wakes the consumer too: a partial batch it holds must go now (AtBound), not at the interval.
        var armed = Volatile.Read(ref _armed);
        if (armed > 0 && ((state & CountMask) - dropped >= armed || dropped > 0))
        {
            Wake();
        }

        return true;
    }

    /// <summary>Takes the oldest item (the consumer only). Its bytes stay in the budget until <see cref="Release"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // hot: skip the slow first tier
    public bool TryTake(out QueuedItem item)
    {
        if (_items.TryDequeue(out item!))
        {
            Interlocked.Decrement(ref _state);
            return true;
        }

        return false;
    }

    /// <summary>Gives taken items' share of the budget back (once their batch is serialized).</summary>
    public void Release(int items, long bytes) => _budget.Remove(items, bytes);

    /// <summary>
    /// Completes when the queue holds at least <paramref name="items"/> items, or on <see cref="Wake"/>, or at once when
    /// <paramref name="ready"/> says there is already something to do: it is checked after the wait is armed, so a
    /// reason to wake that arrived just before the wait is never missed. Spurious wake-ups are possible.
    /// </summary>
    public Task WaitAsync(int items, Func<bool> ready)
    {
        Interlocked.Exchange(ref _armed, Math.Max(1, items));
        if (Count >= items || IsClosed || ready())
        {
            // Disarm; if a producer or Wake got there first, it has rung (or is ringing) the bell: take that ring so
            // the next wait does not return at once.
            return Interlocked.Exchange(ref _armed, 0) == 0 ? _bell.WaitAsync() : Task.CompletedTask;
        }

        return _bell.WaitAsync();
    }

    /// <summary>Wakes the consumer if it is waiting (a flush request, close, the batch interval).</summary>
    public void Wake()
    {
        if (Interlocked.Exchange(ref _armed, 0) > 0)
        {
            _bell.Release();
        }
    }

    /// <summary>Turns producers away from now on; what is queued stays for the consumer.</summary>
    public void Close()
    {
        var state = Volatile.Read(ref _state);
        while ((state & ClosedBit) == 0)
        {
            var seen = Interlocked.CompareExchange(ref _state, state | ClosedBit, state);
            if (seen == state)
            {
                break;
            }

            state = seen;
        }

        Wake();
    }

    /// <summary>Removes everything left, including items a producer reserved before close and is still enqueuing; returns how many and their bytes are released.</summary>
    public int DrainAll()
    {
        var removed = 0;
        var spin = default(SpinWait);
        while (Count > 0)
        {
            if (TryRemove())
            {
                removed++;
            }
            else
            {
                spin.SpinOnce(); // a producer between its reservation and its enqueue: nanoseconds
            }
        }

        return removed;
    }

    private int EvictOldest()
    {
        var dropped = 0;

        // Keep the newest item even when it alone is over the byte bound: the consumer takes it soon.
        while (_budget.IsOver && Count > 1 && TryRemove())
        {
            dropped++;
        }

        return dropped;
    }

    // Takes the oldest item out for good (dropped, not taken for sending): it leaves the count and the budget at once.
    private bool TryRemove()
    {
        if (!TryTake(out var item))
        {
            return false;
        }

        _budget.Remove(item.EstimatedBytes);
        return true;
    }
}
