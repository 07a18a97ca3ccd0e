using System.Globalization;
using Raindrop.Diagnostics;

namespace Raindrop.Delivery;

/// <summary>
/// The one place where a route's items are counted as they leave it: sent (2xx), failed (rejected, retries
/// exhausted, unwritable), dropped (queue full, close deadline), and where the matching log line (rate-limited) and
/// <see cref="RaindropClient.DeliveryFailed"/> report are made. Callers settle each item exactly once (see
/// <see cref="RequestBody.TrySettle"/> and <see cref="HeldItems"/>); this type only counts and tells.
/// </summary>
internal sealed class OutcomeSettler
{
    private readonly Route _route;
    private readonly DeliveryContext _ctx;
    private readonly RateLimiter _dropWarnings;
    private readonly RateLimiter _closeWarnings;
    private readonly RateLimiter _rejectWarnings;
    private readonly RateLimiter _gaveUpWarnings;
    private long _unreportedDrops;
    private int _dropReportScheduled;

    public OutcomeSettler(Route route, DeliveryContext context)
    {
        _route = route;
        _ctx = context;
        _dropWarnings = new RateLimiter(context.Time);
        _closeWarnings = new RateLimiter(context.Time);
        _rejectWarnings = new RateLimiter(context.Time);
        _gaveUpWarnings = new RateLimiter(context.Time);
    }

    public void Enqueued() => _ctx.Metrics.Enqueued(_route.Path);

    /// <summary>A call accepted as the route closed, too late to be queued: counted as dropped (no report, it is one of close's).</summary>
    public void Refused() => _ctx.Metrics.Dropped(_route.Path, 1);

    /// <summary>A request ended; <see cref="SendStatus.TooLarge"/> on a multi-item body is split by the dispatcher, not settled here.</summary>
    public void Settle(RequestBody body, SendOutcome outcome)
    {
        switch (outcome.Status)
        {
            case SendStatus.Delivered:
                _ctx.Metrics.Sent(_route.Path, body.Count);
                if (_ctx.Options.DebugLogs)
                {
                    Log.Sent(_ctx.Logger, body.Count, body.Content.Length, _route.Path, outcome.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "ok");
                }

                break;
            case SendStatus.TooLarge:
            case SendStatus.Rejected:
                _ctx.Metrics.Failed(_route.Path, body.Count);
                if (_rejectWarnings.TryAcquire(body.Count, out var rejected))
                {
                    Log.Rejected(_ctx.Logger, Clamp(rejected), _route.Path, outcome.StatusCode, outcome.Detail);
                }

                _ctx.ReportFailure(new DeliveryFailedEventArgs(_route.Path, body.Count, DeliveryFailureReason.Rejected, outcome.StatusCode, outcome.Detail, outcome.Exception));
                break;
            case SendStatus.GaveUp:
                _ctx.Metrics.Failed(_route.Path, body.Count);
                if (_gaveUpWarnings.TryAcquire(body.Count, out var gaveUp))
                {
                    Log.GaveUp(_ctx.Logger, Clamp(gaveUp), _route.Path, outcome.Detail ?? outcome.StatusCode?.ToString(CultureInfo.InvariantCulture));
                }

                _ctx.ReportFailure(new DeliveryFailedEventArgs(_route.Path, body.Count, DeliveryFailureReason.RetriesExhausted, outcome.StatusCode, outcome.Detail, outcome.Exception));
                break;
            default:
                CloseDropped(body.Count);
                break;
        }
    }

    /// <summary>An attempt failed and will be retried.</summary>
    public void Retrying(SendOutcome failure)
    {
        _ctx.Metrics.Retried(_route.Path);
        Log.Retrying(_ctx.Logger, _route.Path, failure.StatusCode is { } code ? "HTTP " + code.ToString(CultureInfo.InvariantCulture) : failure.Detail ?? "error");
    }

    /// <summary>Items that could not be written, or that a bug in the loop lost: failed, never the app's problem.</summary>
    public void Failed(int count, Exception? bug = null)
    {
        if (bug is not null)
        {
            Log.WorkerError(_ctx.Logger, bug, _route.Path, count);
        }
        else
        {
            Log.Unwritable(_ctx.Logger, count, _route.Path);
        }

        _ctx.Metrics.Failed(_route.Path, count);
    }

    public void Shrunk(int count) => Log.Shrunk(_ctx.Logger, count, _route.Path);

    /// <summary>Items not sent by the close deadline, or refused because the route had closed.</summary>
    public void CloseDropped(int count)
    {
        _ctx.Metrics.Dropped(_route.Path, count);
        if (_closeWarnings.TryAcquire(count, out var total))
        {
            Log.CloseDropped(_ctx.Logger, Clamp(total), _route.Path);
        }

        _ctx.ReportFailure(new DeliveryFailedEventArgs(_route.Path, count, DeliveryFailureReason.CloseDeadline, null, "not sent before the close deadline", null));
    }

    /// <summary>Close is over: the last line says how many were not sent in all, whatever the rate limit held back.</summary>
    public void CloseEnded()
    {
        if (_closeWarnings.TakePending() is var pending and > 0)
        {
            Log.CloseDropped(_ctx.Logger, Clamp(pending), _route.Path);
        }
    }

    /// <summary>
    /// The oldest items were evicted to keep the queue in budget (called on the producer's thread: counts now, and
    /// reports off that thread, since a log sink or a DeliveryFailed handler may be slow). One report at a time carries
    /// every drop since the last one, so handlers can count exactly; the log line is rate-limited.
    /// </summary>
    public void QueueFull(int dropped)
    {
        _ctx.Metrics.Dropped(_route.Path, dropped);
        Interlocked.Add(ref _unreportedDrops, dropped);
        if (Interlocked.Exchange(ref _dropReportScheduled, 1) == 0)
        {
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

        _ctx.ReportFailure(new DeliveryFailedEventArgs(_route.Path, Clamp(count), DeliveryFailureReason.QueueFull, null, "queue full: oldest items dropped", null));
    }

    private static int Clamp(long value) => (int)Math.Min(int.MaxValue, value);
}
