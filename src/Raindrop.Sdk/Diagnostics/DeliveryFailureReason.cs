namespace Raindrop;

/// <summary>Why items were not delivered.</summary>
public enum DeliveryFailureReason
{
    /// <summary>The server answered a 4xx that is not retried (or 413 for a single item).</summary>
    Rejected,

    /// <summary>Requests kept failing for <see cref="RaindropOptions.MaxRetryDuration"/>.</summary>
    RetriesExhausted,

    /// <summary>The queue was full and the oldest items were dropped.</summary>
    QueueFull,

    /// <summary>The client closed before the items could be sent within <see cref="RaindropOptions.CloseTimeout"/>.</summary>
    CloseDeadline,
}
