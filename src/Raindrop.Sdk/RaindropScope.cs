namespace Raindrop;

/// <summary>
/// One level of <see cref="IRaindropClient.BeginScope"/>: the user, conversation and properties of the work running
/// in the current async flow (a request, a job), held in an <see cref="AsyncLocal{T}"/> slot of the client. Scopes nest:
/// each level is created with the values of the one around it already merged in (inner values win, properties are
/// merged key by key), so reading the current level is one field read. Disposing a level makes the one around it
/// current again in the disposing flow; a level disposed out of order is skipped when the current level is read.
/// </summary>
internal sealed class RaindropScope : IDisposable
{
    private readonly AsyncLocal<RaindropScope?> _slot;
    private int _disposed;

    private RaindropScope(AsyncLocal<RaindropScope?> slot, RaindropScope? parent, string? userId, string? convoId, IReadOnlyDictionary<string, object?>? properties, bool suppressed = false)
    {
        _slot = slot;
        Parent = parent;
        Suppressed = suppressed || parent is { Suppressed: true };
        UserId = string.IsNullOrEmpty(userId) ? parent?.UserId : userId;
        ConvoId = string.IsNullOrEmpty(convoId) ? parent?.ConvoId : convoId;
        if (properties is { Count: > 0 })
        {
            var merged = parent?.Properties is { } outer
                ? new Dictionary<string, object?>(outer, StringComparer.Ordinal)
                : new Dictionary<string, object?>(properties.Count, StringComparer.Ordinal);
            foreach (var (key, value) in properties)
            {
                merged[key] = value;
            }

            Properties = merged;
        }
        else
        {
            Properties = parent?.Properties;
        }
    }

    /// <summary>The level around this one (when it was begun), or null.</summary>
    public RaindropScope? Parent { get; }

    /// <summary>The user: this level's, else the nearest outer level's; null when none names one.</summary>
    public string? UserId { get; }

    /// <summary>Whether the flow was excluded from capture (a request the app's filter left out): spans of no interaction made in it are not exported.</summary>
    public bool Suppressed { get; }

    /// <summary>The conversation: this level's, else the nearest outer level's; null when none names one.</summary>
    public string? ConvoId { get; }

    /// <summary>The properties of every level, inner keys winning; null when none.</summary>
    public IReadOnlyDictionary<string, object?>? Properties { get; }

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Opens a level in <paramref name="slot"/> over the current one.</summary>
    public static RaindropScope Begin(AsyncLocal<RaindropScope?> slot, string? userId, string? convoId, IReadOnlyDictionary<string, object?>? properties, bool suppressed = false)
    {
        var scope = new RaindropScope(slot, Current(slot), userId, convoId, properties, suppressed);
        slot.Value = scope;
        return scope;
    }

    /// <summary>The innermost level of <paramref name="slot"/> not yet disposed, or null.</summary>
    public static RaindropScope? Current(AsyncLocal<RaindropScope?> slot)
    {
        var scope = slot.Value;
        while (scope is { IsDisposed: true })
        {
            scope = scope.Parent;
        }

        return scope;
    }

    /// <summary>
    /// <paramref name="outer"/> (a scope's properties) under <paramref name="inner"/> (what the call itself passed):
    /// the inner keys win. Either alone is returned as it is.
    /// </summary>
    public static IReadOnlyDictionary<string, object?>? Merge(IReadOnlyDictionary<string, object?>? outer, IReadOnlyDictionary<string, object?>? inner)
    {
        if (outer is not { Count: > 0 })
        {
            return inner;
        }

        if (inner is not { Count: > 0 })
        {
            return outer;
        }

        var merged = new Dictionary<string, object?>(outer, StringComparer.Ordinal);
        foreach (var (key, value) in inner)
        {
            merged[key] = value;
        }

        return merged;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (ReferenceEquals(_slot.Value, this))
        {
            _slot.Value = Current(_slot);
        }
    }
}
