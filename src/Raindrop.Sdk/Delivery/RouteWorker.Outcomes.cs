using Raindrop.Diagnostics;

namespace Raindrop.Delivery;

// How a route accounts for what leaves it other than by a 2xx: drops when the queue is full, the outcome of each
// request (delivered, split on 413, rejected, given up), and what the close deadline abandons. Every item is
// counted exactly once: a body is settled (TrySettle) by whichever of its send or the close deadline comes first.
internal sealed partial class RouteWorker
{
    private void DropOldest()
    {
        long dropped = 0;

        // Keep the newest item even when it alone is over the byte bound: the worker takes it soon.
        while (_ctx.Budget.IsOver && _channel.Reader.Count > 1 && _channel.Reader.TryRead(out var old))
        {
            _ctx.Budget.Remove(old.EstimatedBytes);
            dropped++;
        }

        if (dropped == 0)
        {
            return;
        }

        _ctx.Metrics.Dropped(_route.Path, (int)dropped);
        Interlocked.Add(ref _unreportedDrops, dropped);
        if (Interlocked.Exchange(ref _dropReportScheduled, 1) == 0)
        {
            // Off the caller's thread: a log sink or a DeliveryFailed handler may be slow. One report at a time
            // carries every drop since the last one, so handlers can count exactly; the log line is rate-limited.
            ThreadPool.UnsafeQueueUserWorkItem(static self => self.ReportDrops(), this, preferLocal: false);
        }
    }

    private void ReportDrops()
    {
        Volatile.Write(ref _dropReportScheduled, 0);
        var count = Interlocked.Exchange(ref _unreportedDrops, 0);
        if (count == 0)
        {
            return;
        }

        if (_dropWarnings.TryAcquire(count, out var total))
        {
            Log.QueueFull(_ctx.Logger, total, _route.Path);
        }

        _ctx.ReportFailure(new DeliveryFailedEventArgs(_route.Path, (int)Math.Min(int.MaxValue, count), DeliveryFailureReason.QueueFull, null, "queue full: oldest items dropped", null));
    }

    /// <summary>
    /// At the close deadline: counts everything not yet delivered (in flight or still queued) as dropped now, so
    /// the counters are final when close returns; the abandoned sends' late outcomes are ignored.
    /// </summary>
    public void Abandon()
    {
        // What the loop holds in a batch it has not sent yet is counted now, before close returns.
        int count;
        lock (_held.Gate)
        {
            count = _held.ClaimAll();
            foreach (var body in _unsettled.Keys)
            {
                if (body.TrySettle())
                {
                    _unsettled.TryRemove(body, out _);
                    count += body.Count;
                }
            }
        }

        while (_channel.Reader.TryRead(out var item))
        {
            _ctx.Budget.Remove(item.EstimatedBytes);
            count++;
        }

        if (count > 0)
        {
            Dropped(count);
        }

        // Close happens once: the last line says how many were not sent in all, whatever the rate limit held back.
        if (_closeWarnings.TakePending() is var pending and > 0)
        {
            Log.CloseDropped(_ctx.Logger, (int)Math.Min(int.MaxValue, pending), _route.Path);
        }
    }

    private async Task SendAsync(RequestBody body)
    {
        try
        {
            var transport = await _ctx.Transport.ConfigureAwait(false);
            var outcome = await transport.SendAsync(_route, body, OnRetry, _ctx.CloseDeadline).ConfigureAwait(false);
            await SettleAsync(body, outcome).ConfigureAwait(false);
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
                Log.WorkerError(_ctx.Logger, ex, _route.Path, body.Count);
                _ctx.Metrics.Failed(_route.Path, body.Count);
            }
        }
    }

    private async Task SettleAsync(RequestBody body, SendOutcome outcome)
    {
        if (!body.TrySettle())
        {
            return; // abandoned at the close deadline and already counted as dropped
        }

        _unsettled.TryRemove(body, out _);
        switch (outcome.Status)
        {
            case SendStatus.Delivered:
                _window.RecordSuccess();
                _ctx.Metrics.Sent(_route.Path, body.Count);
                if (_ctx.Options.DebugLogs)
                {
                    Log.Sent(_ctx.Logger, body.Count, body.Content.Length, _route.Path, outcome.StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "ok");
                }

                break;
            case SendStatus.TooLarge when body.Count > 1:
                _window.RecordSuccess();
                var (first, second) = body.Split();
                _unsettled[first] = 0;
                _unsettled[second] = 0;
                await SendAsync(first).ConfigureAwait(false);
                await SendAsync(second).ConfigureAwait(false);
                break;
            case SendStatus.TooLarge:
            case SendStatus.Rejected:
                _window.RecordSuccess();
                _ctx.Metrics.Failed(_route.Path, body.Count);
                if (_rejectWarnings.TryAcquire(body.Count, out var rejected))
                {
                    Log.Rejected(_ctx.Logger, (int)Math.Min(int.MaxValue, rejected), _route.Path, outcome.StatusCode, outcome.Detail);
                }

                _ctx.ReportFailure(new DeliveryFailedEventArgs(_route.Path, body.Count, DeliveryFailureReason.Rejected, outcome.StatusCode, outcome.Detail, outcome.Exception));
                break;
            case SendStatus.GaveUp:
                _window.RecordSuccess();
                _ctx.Metrics.Failed(_route.Path, body.Count);
                if (_gaveUpWarnings.TryAcquire(body.Count, out var gaveUp))
                {
                    Log.GaveUp(_ctx.Logger, (int)Math.Min(int.MaxValue, gaveUp), _route.Path, outcome.Detail ?? outcome.StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                _ctx.ReportFailure(new DeliveryFailedEventArgs(_route.Path, body.Count, DeliveryFailureReason.RetriesExhausted, outcome.StatusCode, outcome.Detail, outcome.Exception));
                break;
            default:
                Dropped(body.Count);
                break;
        }
    }

    private void OnRetry(SendOutcome failure)
    {
        _window.RecordFailure();
        _ctx.Metrics.Retried(_route.Path);
        Log.Retrying(_ctx.Logger, _route.Path, failure.StatusCode is { } code ? "HTTP " + code.ToString(System.Globalization.CultureInfo.InvariantCulture) : failure.Detail ?? "error");
    }

    private void Dropped(int count)
    {
        _ctx.Metrics.Dropped(_route.Path, count);
        if (_closeWarnings.TryAcquire(count, out var total))
        {
            Log.CloseDropped(_ctx.Logger, (int)Math.Min(int.MaxValue, total), _route.Path);
        }

        _ctx.ReportFailure(new DeliveryFailedEventArgs(_route.Path, count, DeliveryFailureReason.CloseDeadline, null, "not sent before the close deadline", null));
    }
}
