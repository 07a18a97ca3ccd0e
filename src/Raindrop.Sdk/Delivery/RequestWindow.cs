namespace Raindrop.Delivery;

/// <summary>
/// The dispatcher's window of requests in flight on one route (driven by its loop only; failures are recorded
/// from request outcomes on other threads): up to
/// <c>max</c> at once while the server is healthy, one at a time while it is failing (WIRE.md §5: a failing route
/// does not start new requests on top of the one retrying), and never two with the same order key at once (partial
/// updates of one interaction stay in order). The server counts as failing from the first failed attempt until a
/// request succeeds (<see cref="FailuresBeforeBackoff"/>): the rule WIRE.md §5 states. Its cost under a flapping server
/// is throughput (one request per backoff delay while any request retries), which the close deadline can turn into
/// drops; a threshold above one would trade that against the rule.
/// </summary>
internal sealed class RequestWindow
{
    private readonly List<(Task Task, string? OrderKey)> _inflight = [];
    private readonly int _max;
    private int _failuresInARow;

    public RequestWindow(int max) => _max = Math.Max(1, max);

    /// <summary>Failed attempts in a row after which the route sends one request at a time.</summary>
    public const int FailuresBeforeBackoff = 1;

    /// <summary>Whether the route's server is failing (see <see cref="FailuresBeforeBackoff"/>).</summary>
    public bool Failing => Volatile.Read(ref _failuresInARow) >= FailuresBeforeBackoff;

    /// <summary>An attempt failed and is being retried (from request outcomes, on any thread).</summary>
    public void RecordFailure() => Interlocked.Increment(ref _failuresInARow);

    /// <summary>A request ended with an answer from a working server (2xx, a 4xx rejection, a split).</summary>
    public void RecordSuccess() => Volatile.Write(ref _failuresInARow, 0);

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
