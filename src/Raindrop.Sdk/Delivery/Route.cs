namespace Raindrop.Delivery;

/// <summary>An API route: its path under the endpoint and whether its body is a JSON array (a batch) or one object.</summary>
internal sealed record Route(string Path, bool IsBatched)
{
    public static readonly Route Events = new("events/track", true);
    public static readonly Route Partial = new("events/track_partial", false);
    public static readonly Route Signals = new("signals/track", true);
    public static readonly Route Identify = new("users/identify", true);

    /// <summary>Every route, in a fixed order (the transport keeps one request URI per route).</summary>
    public static readonly Route[] All = [Events, Partial, Signals, Identify];
}
