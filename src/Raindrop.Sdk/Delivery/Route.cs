namespace Raindrop.Delivery;

/// <summary>An API route: its path under the endpoint, whether its body is a JSON array (a batch) or one object, and its index in <see cref="All"/>.</summary>
internal sealed record Route(string Path, bool IsBatched, int Index)
{
    public static readonly Route Events = new("events/track", true, 0);
    public static readonly Route Partial = new("events/track_partial", false, 1);
    public static readonly Route Signals = new("signals/track", true, 2);
    public static readonly Route Identify = new("users/identify", true, 3);

    /// <summary>Every route, by <see cref="Index"/>.</summary>
    public static readonly Route[] All = [Events, Partial, Signals, Identify];
}
