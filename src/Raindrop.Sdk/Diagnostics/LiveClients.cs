using Microsoft.Extensions.Logging;

namespace Raindrop.Diagnostics;

/// <summary>
/// The process's live (undisposed, enabled) clients, in creation order: the one process-wide fact the SDK keeps
/// besides its <c>ActivitySource</c>. It decides which client receives spans that belong to no client's interaction
/// (WIRE.md §7: at most one project gets them), and warns when clients pile up (one per request is a common mistake).
/// </summary>
internal static class LiveClients
{
    /// <summary>More live clients than this is almost always a client created per request or per tenant call.</summary>
    public const int WarnAbove = 10;

    private static readonly object Gate = new();
    private static readonly List<RaindropClient> Clients = [];
    private static readonly RateLimiter Warnings = new(TimeProvider.System);
    private static RaindropClient? _unownedSpanOwner;

    /// <summary>The client that exports spans belonging to no client's interaction: the oldest live one that accepts them.</summary>
    public static RaindropClient? UnownedSpanOwner => Volatile.Read(ref _unownedSpanOwner);

    public static void Add(RaindropClient client, bool takesUnownedSpans, ILogger logger)
    {
        int count;
        lock (Gate)
        {
            Clients.Add(client);
            count = Clients.Count;
            if (takesUnownedSpans && _unownedSpanOwner is null)
            {
                _unownedSpanOwner = client;
            }
        }

        if (count > WarnAbove && Warnings.TryAcquire(1, out _))
        {
            Log.ManyClients(logger, count);
        }
    }

    public static void Remove(RaindropClient client)
    {
        lock (Gate)
        {
            Clients.Remove(client);
            if (ReferenceEquals(_unownedSpanOwner, client))
            {
                _unownedSpanOwner = Clients.Find(static c => c.TakesUnownedSpans);
            }
        }
    }
}
