using System.Runtime.CompilerServices;

namespace Raindrop.Delivery;

/// <summary>
/// A route's requests in flight: up to <c>max</c> at once (a <see cref="SemaphoreSlim"/>), one while the route is failing
/// (<see cref="FailuresBeforeNarrowing"/> failed attempts in a row, WIRE.md §5) unless it is closing, and never two with
/// the same order key. Each request ends in one outcome, settled in <see cref="Outcomes"/>. Requests are started by the
/// route's loop only, and end on any thread.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "A SemaphoreSlim whose wait handle is never used holds no resource.")]
internal sealed class InFlightWindow
{
    public const int FailuresBeforeNarrowing = 3;

    private readonly Route _route;
    private readonly int _max;
    private readonly SemaphoreSlim _slots;
    private readonly HttpTransport _transport;
    private readonly Outcomes _outcomes;
    private readonly RetryCounters _retries;
    private readonly CancellationToken _deadline;
    private readonly List<(Task Request, string? OrderKey)> _requests = []; // the loop's own list; ended ones are pruned

    public InFlightWindow(Route route, int max, HttpTransport transport, Outcomes outcomes, CancellationToken closeDeadline)
    {
        _route = route;
        _max = Math.Max(1, max);
        _slots = new SemaphoreSlim(_max, _max);
        _transport = transport;
        _outcomes = outcomes;
        _retries = outcomes.Retries(route);
        _deadline = closeDeadline;
    }

    private bool Failing => !_retries.Closing && _retries.FailuresInARow >= FailuresBeforeNarrowing;

    /// <summary>Closing: the drain uses the whole window, and retries wait briefly (the close deadline bounds them).</summary>
    public void Close() => _retries.Closing = true;

    /// <summary>Completes when every request started so far has ended.</summary>
    public Task AllEnded()
    {
        _requests.RemoveAll(static r => r.Request.IsCompleted);
        return Task.WhenAll(_requests.ConvertAll(static r => r.Request));
    }

    /// <summary>Starts a request for <paramref name="body"/> once the window has a place for it.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask StartAsync(RequestBody body)
    {
        if (body.OrderKey is not null && InFlight(body.OrderKey) is { } earlier)
        {
            await earlier.ConfigureAwait(false); // partial updates of one interaction stay in order
        }

        // While the route is failing, the request waits until it is the only one: it takes every place.
        var places = 0;
        do
        {
            await _slots.WaitAsync().ConfigureAwait(false);
            places++;
        }
        while (places < _max && Failing);

        if (_deadline.IsCancellationRequested)
        {
            _slots.Release(places);
            body.Release(); // never sent
            _outcomes.CloseDropped(_route, body.Count);
            return;
        }

        _requests.RemoveAll(static r => r.Request.IsCompleted);
        _requests.Add((SendAsync(body, places), body.OrderKey));
    }

    private Task? InFlight(string orderKey)
    {
        foreach (var (request, key) in _requests)
        {
            if (key == orderKey && !request.IsCompleted)
            {
                return request;
            }
        }

        return null;
    }

    /// <summary>Sends and settles a body; after a 413 on several items, each half in turn. Never throws.</summary>
    private async Task SendAsync(RequestBody body, int places)
    {
        try
        {
            var outcome = await _transport.SendAsync(_route, body, _retries, _deadline).ConfigureAwait(false);
            if (outcome.Status is SendStatus.Delivered or SendStatus.Rejected or SendStatus.TooLarge)
            {
                _retries.Answered(); // an answer from a working server, even a rejection, widens the window again
            }

            if (outcome.Status == SendStatus.TooLarge && body.Items is { Length: > 1 } items)
            {
                // Two new bodies of half the items each, written by a serializer of their own (the loop's is the loop's).
                var middle = items.Length / 2;
                foreach (var half in new[] { items[..middle], items[middle..] })
                {
                    foreach (var part in new BatchSerializer(body.Content.Length).Serialize(half, asArray: true))
                    {
                        await SendAsync(part, 0).ConfigureAwait(false);
                    }
                }

                return;
            }

            _outcomes.Settle(_route, body, outcome);
            if (outcome.Status == SendStatus.Delivered)
            {
                body.Release(); // the server read it all; after any other ending the connection may still hold the buffer
            }
        }
        catch (Exception ex)
        {
            _outcomes.Failed(_route, body.Count, ex); // a bug, not a delivery failure: counted, never the app's
        }
        finally
        {
            if (places > 0)
            {
                _slots.Release(places);
            }
        }
    }
}
