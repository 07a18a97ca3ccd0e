namespace Raindrop.Delivery;

/// <summary>
/// The dispatcher's window of requests in flight on one route (driven by its loop only; <see cref="Failing"/> is set
/// from request outcomes on other threads): up to
/// <c>max</c> at once while the server is healthy, one at a time while it is failing (WIRE.md §5: a failing route
/// does not start new requests on top of the one retrying), and never two with the same order key at once (partial
/// updates of one interaction stay in order).
/// </summary>
internal sealed class RequestWindow
{
    private readonly List<(Task Task, string? OrderKey)> _inflight = [];
    private readonly int _max;
    private volatile bool _failing;

    public RequestWindow(int max) => _max = Math.Max(1, max);

    /// <summary>Set while the route's server is failing (a request is retrying).</summary>
    public bool Failing
    {
        get => _failing;
        set => _failing = value;
    }

    public int Count => _inflight.Count;

    /// <summary>Completes when a request with <paramref name="orderKey"/> may start.</summary>
    public async Task WaitForSlotAsync(string? orderKey)
    {
        while (true)
        {
            _inflight.RemoveAll(static f => f.Task.IsCompleted);
            var blocker = orderKey is null ? null : _inflight.Find(f => f.OrderKey == orderKey).Task;
            if (blocker is not null)
            {
                await blocker.ConfigureAwait(false);
                continue;
            }

            if (_inflight.Count == 0 || (_inflight.Count < _max && !Failing))
            {
                return;
            }

            await Task.WhenAny(_inflight.Select(f => f.Task)).ConfigureAwait(false);
        }
    }

    /// <summary>Records a request that has started (after <see cref="WaitForSlotAsync"/>).</summary>
    public void Add(Task request, string? orderKey) => _inflight.Add((request, orderKey));

    /// <summary>Completes when every request started so far has ended.</summary>
    public Task AllEnded() => Task.WhenAll(_inflight.Select(f => f.Task));
}
