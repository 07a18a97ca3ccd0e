namespace Raindrop.Delivery;

/// <summary>How one request ended, after its retries.</summary>
internal enum SendStatus
{
    /// <summary>A 2xx.</summary>
    Delivered,

    /// <summary>A 413: the body is too large for the server.</summary>
    TooLarge,

    /// <summary>A 4xx that is not retried: the batch is dropped.</summary>
    Rejected,

    /// <summary>Kept failing for <c>MaxRetryDuration</c>, or failed in a way that is not retried.</summary>
    GaveUp,

    /// <summary>Stopped by the close deadline before it could be delivered.</summary>
    Cancelled,
}

/// <summary>The result of <see cref="HttpTransport.SendAsync"/>.</summary>
internal readonly record struct SendOutcome(SendStatus Status, int? StatusCode = null, string? Detail = null, Exception? Exception = null);
