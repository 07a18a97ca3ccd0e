namespace Raindrop.Delivery;

/// <summary>
/// A route's requests in flight: up to <c>max</c> at once, one while the route is failing
/// (<see cref="FailuresBeforeNarrowing"/> failed attempts in a row, WIRE.md §5) unless closing, and never two with the
/// same order key (partial updates of one interaction stay in order). It also keeps the route's items counted exactly
/// once between the loop and their request's end: held (in the loop's batch) until their request starts, then
/// unsettled until it ends; past the close deadline <see cref="ClaimAll"/> takes whatever is left, and a claim, start
/// or ending after that counts nothing. Driven by the route's loop; requests end on any thread.
/// </summary>
internal sealed class InFlightWindow
{
    /// <summary>Failed attempts in a row after which the route keeps one request in flight.</summary>
    public const int FailuresBeforeNarrowing = 3;

    private readonly Route _route;
    private readonly int _max;
    private readonly HttpTransport _transport;
    private readonly BatchSerializer _serializer;
    private readonly Outcomes _outcomes;
    private readonly RetryCounters _retries;
    private readonly CancellationToken _deadline;
    private readonly List<(Task Task, string? OrderKey)> _requests = [];
    private readonly object _gate = new();
    private readonly HashSet<RequestBody> _unsettled = [];
    private int _held;

    public InFlightWindow(Route route, RaindropOptions options, int max, HttpTransport transport, Outcomes outcomes, CancellationToken closeDeadline)
    {
        _route = route;
        _serializer = new BatchSerializer(options.MaxBodyBytes);
        _max = Math.Max(1, max);
        _transport = transport;
        _outcomes = outcomes;
        _retries = outcomes.Retries(route);
        _deadline = closeDeadline;
    }

    /// <summary>
    /// Closing: the drain uses the whole window, so a failing route does not turn it into one request at a time, and
    /// retries wait briefly (the close deadline bounds them).
    /// </summary>
    public bool Closing
    {
        get => _retries.Closing;
        set => _retries.Closing = value;
    }

    /// <summary>The loop took an item into its batch.</summary>
    public void Hold() => Interlocked.Increment(ref _held);

    /// <summary>Takes up to <paramref name="n"/> held items to count them; fewer once close has taken them.</summary>
    public int Claim(int n)
    {
        int held, claimed;
        do
        {
            held = Volatile.Read(ref _held);
            claimed = Math.Min(held, n);
        }
        while (Interlocked.CompareExchange(ref _held, held - claimed, held) != held);
        return claimed;
    }

    /// <summary>At the close deadline: takes every held and in-flight item; returns how many.</summary>
    public int ClaimAll()
    {
        lock (_gate)
        {
            var count = Interlocked.Exchange(ref _held, 0) + _unsettled.Sum(b => b.Count);
            _unsettled.Clear();
            return count;
        }
    }

    /// <summary>Completes when every request started so far has ended.</summary>
    public Task AllEnded()
    {
        _requests.RemoveAll(static r => r.Task.IsCompleted);
        return Task.WhenAll(_requests.Select(r => r.Task));
    }

    /// <summary>
    /// Writes held items to request bodies (once: every retry resends these bytes). Items that cannot be sent are counted
    /// here: all of them past the close deadline, and any that cannot be written under 1 MiB.
    /// </summary>
    public List<RequestBody> Write(List<QueuedItem> batch, bool asArray)
    {
        if (_deadline.IsCancellationRequested)
        {
            CountHeld(batch.Count, _outcomes.CloseDropped);
            return [];
        }

        List<RequestBody> bodies;
        try
        {
            bodies = _serializer.Serialize(batch, asArray);
        }
        catch (Exception ex)
        {
            CountHeld(batch.Count, (r, n) => _outcomes.Failed(r, n, ex)); // a bug, not a delivery failure: the route lives on
            _serializer.TakeCounts();
            return [];
        }

        var (shrunk, failed) = _serializer.TakeCounts();
        if (shrunk > 0)
        {
            _outcomes.Shrunk(_route, shrunk);
        }

        CountHeld(failed, (r, n) => _outcomes.Failed(r, n));
        return bodies;
    }

    /// <summary>Starts a request for <paramref name="body"/> (its items held) once the window has a place for it.</summary>
    public async Task StartAsync(RequestBody body)
    {
        while (true)
        {
            _requests.RemoveAll(static r => r.Task.IsCompleted);
            var blocker = body.OrderKey is null ? null : _requests.Find(r => r.OrderKey == body.OrderKey).Task;
            if (blocker is not null)
            {
                await blocker.ConfigureAwait(false);
                continue;
            }

            var failing = !Closing && _retries.FailuresInARow >= FailuresBeforeNarrowing;
            if (_requests.Count < (failing ? 1 : _max))
            {
                break;
            }

            await Task.WhenAny(_requests.Select(r => r.Task)).ConfigureAwait(false);
        }

        if (_deadline.IsCancellationRequested)
        {
            CountHeld(body.Count, _outcomes.CloseDropped);
            return;
        }

        lock (_gate)
        {
            // Held items become the request's atomically with respect to ClaimAll: counted by one or the other.
            if (Claim(body.Count) < body.Count)
            {
                return;
            }

            _unsettled.Add(body);
        }

        _requests.Add((SendAsync(body), body.OrderKey));
    }

    private async Task SendAsync(RequestBody body)
    {
        try
        {
            var outcome = await _transport.SendAsync(_route, body, _retries, _deadline).ConfigureAwait(false);
            if (outcome.Status is SendStatus.Delivered or SendStatus.Rejected or SendStatus.TooLarge)
            {
                _retries.Answered(); // an answer from a working server, even a rejection, widens the window again
            }

            if (outcome.Status == SendStatus.TooLarge && body.Count > 1)
            {
                var (first, second) = body.Split();
                lock (_gate)
                {
                    if (!_unsettled.Remove(body))
                    {
                        return; // abandoned at the close deadline and counted
                    }

                    _unsettled.Add(first);
                    _unsettled.Add(second);
                }

                await SendAsync(first).ConfigureAwait(false);
                await SendAsync(second).ConfigureAwait(false);
                return;
            }

            if (!TrySettle(body))
            {
                return; // abandoned at the close deadline and counted as dropped
            }

            _outcomes.Settle(_route, body, outcome);
            if (outcome.Status == SendStatus.Delivered)
            {
                // A 2xx means the server read the whole body: the pooled buffer can go back. Any other ending leaves it
                // to the GC, since the connection may still hold it.
                body.Release();
            }
        }
        catch (Exception ex)
        {
            if (TrySettle(body))
            {
                _outcomes.Failed(_route, body.Count, ex);
            }
        }
    }

    private void CountHeld(int n, Action<Route, int> count)
    {
        if (n > 0 && Claim(n) is var claimed and > 0)
        {
            count(_route, claimed);
        }
    }

    private bool TrySettle(RequestBody body)
    {
        lock (_gate)
        {
            return _unsettled.Remove(body);
        }
    }
}
