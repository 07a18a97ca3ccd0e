namespace Raindrop.Delivery;

/// <summary>How one request ended, after its retries.</summary>
internal enum SendStatus
{
    Delivered, // a 2xx
    TooLarge, // a 413
    Rejected, // any other status that is not retried
    GaveUp, // failing for MaxRetryDuration, or failed in a way that is not retried
    Cancelled, // stopped by the close deadline
}

/// <summary>The result of <see cref="HttpTransport.SendAsync"/>.</summary>
internal readonly record struct SendOutcome(SendStatus Status, int? StatusCode = null, string? Detail = null, Exception? Exception = null);
