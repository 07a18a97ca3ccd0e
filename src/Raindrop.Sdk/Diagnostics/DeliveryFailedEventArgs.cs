namespace Raindrop;

/// <summary>Why some items were not delivered; raised on the background worker by <see cref="RaindropClient.DeliveryFailed"/>.</summary>
public sealed class DeliveryFailedEventArgs : EventArgs
{
    internal DeliveryFailedEventArgs(string route, int itemCount, DeliveryFailureReason reason, int? statusCode, string? detail, Exception? exception)
    {
        Route = route;
        ItemCount = itemCount;
        Reason = reason;
        StatusCode = statusCode;
        Detail = detail;
        Exception = exception;
    }

    /// <summary>The API route, e.g. <c>events/track</c>.</summary>
    public string Route { get; }

    /// <summary>How many items were lost.</summary>
    public int ItemCount { get; }

    /// <summary>Why they were lost.</summary>
    public DeliveryFailureReason Reason { get; }

    /// <summary>The last HTTP status, when there was one.</summary>
    public int? StatusCode { get; }

    /// <summary>A bounded excerpt of the response body or the error message.</summary>
    public string? Detail { get; }

    /// <summary>The last exception, when the failure was one.</summary>
    public Exception? Exception { get; }
}
