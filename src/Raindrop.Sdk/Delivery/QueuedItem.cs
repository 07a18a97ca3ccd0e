using System.Text.Json;
using Raindrop.Serialization;

namespace Raindrop.Delivery;

/// <summary>
/// One normalized call waiting on a route's queue, written to JSON once, on the route's worker.
/// <see cref="EstimatedBytes"/> is what the queue's byte bound counts.
/// </summary>
internal abstract class QueuedItem(int estimatedBytes)
{
    public int EstimatedBytes { get; } = estimatedBytes;

    /// <summary>When the item was queued (<see cref="TimeProvider.GetTimestamp"/>): a batch's interval runs from its first item's.</summary>
    public long EnqueuedAt { get; set; }

    /// <summary>Items with the same key are never in flight at once (partial updates of one interaction stay in order).</summary>
    public virtual string? OrderKey => null;

    /// <summary>Writes the item's JSON object; strings longer than <paramref name="stringCap"/> are truncated.</summary>
    public abstract void WriteTo(Utf8JsonWriter writer, WireContext context, int stringCap, WriteMode mode);
}

/// <summary>How much of an item's bulk (properties, traits, attachment values) to write: last resorts for an item that does not fit.</summary>
internal enum WriteMode
{
    Full,
    Budgeted, // properties until half the body limit is used, then a note of how many were left out
    Bare, // no properties or traits at all (one of them could not be written)
}

/// <summary>A flush's place in a route's queue: done once everything queued before it has been delivered or has failed.</summary>
internal sealed class FlushMarker() : QueuedItem(0)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Done => _done.Task;

    /// <summary>Completes the flush when <paramref name="pending"/> (the requests in flight when the marker was reached) ends.</summary>
    public void Complete(Task pending) =>
        pending.ContinueWith(static (_, done) => ((TaskCompletionSource)done!).TrySetResult(), _done, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    public override void WriteTo(Utf8JsonWriter writer, WireContext context, int stringCap, WriteMode mode) =>
        throw new InvalidOperationException("A flush marker is never written.");
}
