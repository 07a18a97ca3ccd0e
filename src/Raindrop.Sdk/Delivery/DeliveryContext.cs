using Microsoft.Extensions.Logging;
using Raindrop.Diagnostics;
using Raindrop.Serialization;

namespace Raindrop.Delivery;

/// <summary>What every route worker of one client shares.</summary>
internal sealed class DeliveryContext
{
    public required RaindropOptions Options { get; init; }

    public required TimeProvider Time { get; init; }

    /// <summary>The transport, built after the constructor (its Polly pipeline and HTTP stack cost start-up time).</summary>
    public required LazyTransport Transport { get; init; }

    public required WireContext Wire { get; init; }

    public required SdkMetrics Metrics { get; init; }

    public required QueueBudget Budget { get; init; }

    public required ILogger Logger { get; init; }

    /// <summary>Raises the client's DeliveryFailed event (never throws).</summary>
    public required Action<DeliveryFailedEventArgs> ReportFailure { get; init; }

    /// <summary>Cancelled when the close deadline passes: sends stop, what is left is counted as dropped.</summary>
    public required CancellationToken CloseDeadline { get; init; }
}
