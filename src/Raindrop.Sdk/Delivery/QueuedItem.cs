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

    /// <summary>Items with the same key are never in flight at once (partial updates of one interaction stay in order).</summary>
    public virtual string? OrderKey => null;

    /// <summary>Writes the item's JSON object; strings longer than <paramref name="stringCap"/> are truncated.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="context">Values shared by every item of a client.</param>
    /// <param name="stringCap">The longest string written (int.MaxValue for no cap).</param>
    /// <param name="dropBulk">Last resort for an item that still does not fit: leave out its properties and attachment values.</param>
    public abstract void WriteTo(Utf8JsonWriter writer, WireContext context, int stringCap, bool dropBulk);
}
