using System.Text.Json;
using Raindrop.Serialization;

namespace Raindrop.Delivery;

/// <summary>
/// One normalized call waiting on a route's queue. It is written to JSON once, on the background worker;
/// <see cref="EstimatedBytes"/> is what the queue's byte bound counts.
/// </summary>
internal abstract class QueuedItem
{
    public int EstimatedBytes { get; protected init; }

    /// <summary>When the item was queued (<see cref="TimeProvider.GetTimestamp"/>): a batch's interval runs from its first item's.</summary>
    public long EnqueuedAt { get; set; }

    /// <summary>Items with the same key are never in flight at once (partial updates of one interaction stay in order).</summary>
    public virtual string? OrderKey => null;

    /// <summary>Writes the item's JSON object; strings longer than <paramref name="stringCap"/> are truncated.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="context">Values shared by every item of a client.</param>
    /// <param name="stringCap">The longest string written (int.MaxValue for no cap).</param>
    /// <param name="mode">Last resorts for an item that does not fit or cannot be written.</param>
    public abstract void WriteTo(Utf8JsonWriter writer, WireContext context, int stringCap, WriteMode mode);
}

/// <summary>How much of an item's bulk (properties, traits, attachment values) to write.</summary>
internal enum WriteMode
{
    /// <summary>Everything.</summary>
    Full,

    /// <summary>Properties until half the body limit is used, then a note of how many were left out.</summary>
    Budgeted,

    /// <summary>No properties or traits at all (one of them could not be written).</summary>
    Bare,
}

/// <summary>A flush's place in a route's queue: done once everything queued before it has been delivered or has failed.</summary>
internal sealed class FlushMarker : QueuedItem
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Done => _done.Task;

    /// <summary>Completes the flush when <paramref name="pending"/> (the requests in flight when the marker was reached) ends.</summary>
    public void Complete(Task pending)
    {
        if (pending.IsCompleted)
        {
            _done.TrySetResult();
            return;
        }

        pending.ContinueWith(static (_, done) => ((TaskCompletionSource)done!).TrySetResult(), _done, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public override void WriteTo(Utf8JsonWriter writer, WireContext context, int stringCap, WriteMode mode) =>
        throw new InvalidOperationException("A flush marker is never written.");
}
