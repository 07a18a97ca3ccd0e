using System.Collections.Concurrent;

namespace Raindrop.Delivery;

/// <summary>
/// Turns a route's due batch into requests: writes it to bodies of at most 1 MiB (<see cref="BatchSerializer"/>),
/// starts each when the <see cref="RequestWindow"/> has a slot (a fixed number in flight, one at a time while the
/// server fails, WIRE.md §5), splits a body the server found too large (413), and hands every ending to the
/// <see cref="OutcomeSettler"/>. Items are counted exactly once: from the batch until their request starts they are
/// <see cref="HeldItems"/>; after that, each body is settled by its request or by <see cref="Abandon"/>, whichever comes
/// first.
/// </summary>
internal sealed class Dispatcher
{
    private readonly Route _route;
    private readonly DeliveryContext _ctx;
    private readonly OutcomeSettler _settler;
    private readonly BatchSerializer _serializer;
    private readonly RequestWindow _window;
    private readonly HeldItems _held = new();
    private readonly ConcurrentDictionary<RequestBody, byte> _unsettled = new();
    private readonly Action<SendOutcome> _onRetry;

    public Dispatcher(Route route, DeliveryContext context, OutcomeSettler settler)
    {
        _route = route;
        _ctx = context;
        _settler = settler;
        _serializer = new BatchSerializer(context.Wire, context.Options.MaxBodyBytes);
        _window = new RequestWindow(context.Options.MaxConcurrentRequests);
        _onRetry = failure =>
        {
            _window.RecordFailure();
            _settler.Retrying(failure);
        };
    }

    /// <summary>Counts an item the loop has taken off the queue into its batch (settled when its request starts, or at close).</summary>
    public void Hold() => _held.Add();

    /// <summary>Completes when every request started so far has ended.</summary>
    public Task AllEnded() => _window.AllEnded();

    /// <summary>Writes and starts requests for <paramref name="batch"/> (emptied on return), waiting for window slots.</summary>
    public async Task DispatchAsync(Batcher batch, ItemQueue queue)
    {
        var count = batch.Count;
        queue.Release(count, batch.Bytes);
        if (_ctx.CloseDeadline.IsCancellationRequested)
        {
            batch.Clear();
            Settle(count, _settler.CloseDropped);
            return;
        }

        List<RequestBody> bodies;
        try
        {
            bodies = _serializer.Serialize(batch.Items, _route.IsBatched);
        }
        catch (Exception ex)
        {
            // A bug, not a delivery failure: count the batch and keep the loop (and the route) alive.
            Settle(count, n => _settler.Failed(n, ex));
            _serializer.ResetCounts();
            return;
        }
        finally
        {
            batch.Clear();
        }

        if (_serializer.ShrunkCount > 0)
        {
            _settler.Shrunk(_serializer.ShrunkCount);
        }

        if (_serializer.FailedCount > 0)
        {
            Settle(_serializer.FailedCount, n => _settler.Failed(n));
        }

        _serializer.ResetCounts();
        foreach (var body in bodies)
        {
            await _window.WaitForSlotAsync(body.OrderKey).ConfigureAwait(false);
            lock (_held.Gate)
            {
                // Held items become a request's atomically with respect to Abandon: counted by one or the other.
                if (_held.Claim(body.Count) < body.Count)
                {
                    continue; // the close deadline passed and Abandon counted them
                }

                _unsettled[body] = 0;
            }

            _window.Add(SendAsync(body), body.OrderKey);
        }
    }

    /// <summary>
    /// At the close deadline: counts what is held or in flight as dropped now, so the counters are final when close
    /// returns; abandoned requests' late endings are ignored.
    /// </summary>
    public int Abandon()
    {
        lock (_held.Gate)
        {
            var count = _held.ClaimAll();
            foreach (var body in _unsettled.Keys)
            {
                if (body.TrySettle())
                {
                    _unsettled.TryRemove(body, out _);
                    count += body.Count;
                }
            }

            return count;
        }
    }

    /// <summary>Items lost to a bug in the loop itself: whatever it held is counted as failed.</summary>
    public void LoopFailed(Exception bug) => _settler.Failed(_held.ClaimAll(), bug);

    private void Settle(int n, Action<int> count)
    {
        var claimed = _held.Claim(n);
        if (claimed > 0)
        {
            count(claimed);
        }
    }

    private async Task SendAsync(RequestBody body)
    {
        try
        {
            var transport = _ctx.Transport.Value;
            var outcome = await transport.SendAsync(_route, body, _onRetry, _ctx.CloseDeadline).ConfigureAwait(false);
            if (!body.TrySettle())
            {
                return; // abandoned at the close deadline and already counted as dropped
            }

            _unsettled.TryRemove(body, out _);
            if (outcome.Status is not SendStatus.Cancelled)
            {
                _window.RecordSuccess(); // an answer from a working server, even a rejection
            }

            if (outcome.Status == SendStatus.TooLarge && body.Count > 1)
            {
                var (first, second) = body.Split();
                _unsettled[first] = 0;
                _unsettled[second] = 0;
                await SendAsync(first).ConfigureAwait(false);
                await SendAsync(second).ConfigureAwait(false);
                return;
            }

            _settler.Settle(body, outcome);
            if (outcome.Status == SendStatus.Delivered)
            {
                // A 2xx means the server read the whole body: the pooled buffer can go back. Any other ending (an
                // early 413, a cancelled or broken send) leaves it to the GC, since the connection may still hold it.
                body.Release();
            }
        }
        catch (Exception ex)
        {
            if (body.TrySettle())
            {
                _unsettled.TryRemove(body, out _);
                _settler.Failed(body.Count, ex);
            }
        }
    }
}
