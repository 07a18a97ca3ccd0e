namespace Raindrop;

/// <summary>A snapshot of a client's delivery counters (also published on the <c>Raindrop.Sdk</c> meter).</summary>
/// <param name="Enqueued">Items accepted onto the queue.</param>
/// <param name="Sent">Items the server accepted.</param>
/// <param name="Retried">Request attempts that were retried.</param>
/// <param name="Dropped">Items dropped because the queue was full or the close deadline passed.</param>
/// <param name="Failed">Items the server rejected (4xx) or that kept failing past <see cref="RaindropOptions.MaxRetryDuration"/>.</param>
/// <param name="UnserializableValues">App values (properties, traits, span payloads) that threw or could not be serialized and
/// were sent as a short description instead, the rest of their event kept (WIRE.md §2).</param>
public readonly record struct RaindropStatistics(long Enqueued, long Sent, long Retried, long Dropped, long Failed, long UnserializableValues = 0);
