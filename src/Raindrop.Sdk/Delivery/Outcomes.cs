using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Raindrop.Diagnostics;

namespace Raindrop.Delivery;

/// <summary>
/// The one place where items are counted as they leave a client: sent, failed (rejected, retries exhausted,
/// unwritable) or dropped (queue full, close deadline); where the rate-limited warning is written and
/// <see cref="DeliveryFailed"/> raised; and what <see cref="RaindropClient.Statistics"/> and the meter read.
/// </summary>
/// <remarks>
/// Every item is counted once: it is unsettled from <see cref="Enqueued"/> until an outcome claims it, and
/// <see cref="Abandon"/> (the close deadline) claims all that are left, so an outcome reported after that counts nothing.
/// </remarks>
internal sealed class Outcomes : IDisposable
{
    public const string MeterName = "Raindrop.Sdk";

    private readonly object _sender;
    private readonly ILogger _logger;
    private readonly bool _debugLogs;
    private readonly PerRoute[] _routes;
    private readonly Meter _meter;
    private readonly Counter<long> _enqueuedCounter, _sentCounter, _droppedCounter, _failedCounter, _unserializableCounter;
    private long _enqueued, _sent, _dropped, _failed, _unserializable;

    public Outcomes(object sender, TimeProvider time, ILogger logger, bool debugLogs)
    {
        _sender = sender;
        _logger = logger;
        _debugLogs = debugLogs;
        _routes = Array.ConvertAll(Route.All, r => new PerRoute(r, time));
        _meter = new Meter(new MeterOptions(MeterName) { Version = SdkInfo.Version });
        _enqueuedCounter = _meter.CreateCounter<long>("raindrop.items.enqueued", "{item}", "Items accepted onto the queue.");
        _sentCounter = _meter.CreateCounter<long>("raindrop.items.sent", "{item}", "Items the server accepted (2xx).");
        _meter.CreateObservableCounter("raindrop.requests.retried", () => Array.ConvertAll(_routes, r => new Measurement<long>(r.Retries.Retries, new KeyValuePair<string, object?>("route", r.Route.Path))), "{request}", "Request attempts that were retried.");
        _droppedCounter = _meter.CreateCounter<long>("raindrop.items.dropped", "{item}", "Items dropped: queue full, or not sent by the close deadline.");
        _failedCounter = _meter.CreateCounter<long>("raindrop.items.failed", "{item}", "Items the server rejected or that kept failing past the retry budget.");
        _unserializableCounter = _meter.CreateCounter<long>("raindrop.values.unserializable", "{value}", "App values that threw or could not be serialized and were sent as a short description.");
    }

    /// <summary>Raised (on a background thread) when items could not be delivered; a handler that throws is logged and ignored.</summary>
    public event EventHandler<DeliveryFailedEventArgs>? DeliveryFailed;

    public RaindropStatistics Snapshot() => new(
        Interlocked.Read(ref _enqueued),
        Interlocked.Read(ref _sent),
        _routes.Sum(r => r.Retries.Retries),
        Interlocked.Read(ref _dropped),
        Interlocked.Read(ref _failed),
        Interlocked.Read(ref _unserializable));

    /// <summary>The route's retry counts, written by the retry policy and read by the route's window.</summary>
    public RetryCounters Retries(Route route) => _routes[route.Index].Retries;

    /// <summary>An item is about to be queued: unsettled until an outcome below claims it.</summary>
    public void Enqueued(Route route)
    {
        Interlocked.Increment(ref _routes[route.Index].Unsettled);
        Add(ref _enqueued, _enqueuedCounter, route, 1);
    }

    /// <summary>An item that could not be queued after all (the route closed meanwhile): dropped, without a report.</summary>
    public void Refused(Route route) => Add(ref _dropped, _droppedCounter, route, Claim(route, 1));

    public void Unserializable(int count) => Add(ref _unserializable, _unserializableCounter, null, count);

    /// <summary>A request ended (a 413 on several items is split by the window, not settled here).</summary>
    public void Settle(Route route, RequestBody body, SendOutcome outcome)
    {
        var count = Claim(route, body.Count);
        switch (outcome.Status)
        {
            case SendStatus.Delivered when count > 0:
                Add(ref _sent, _sentCounter, route, count);
                if (_debugLogs)
                {
                    Log.Sent(_logger, count, body.Content.Length, route.Path, outcome.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "ok");
                }

                break;
            case SendStatus.Cancelled:
                Lost(route, count, DeliveryFailureReason.CloseDeadline);
                break;
            case SendStatus.GaveUp:
                Lost(route, count, DeliveryFailureReason.RetriesExhausted, outcome);
                break;
            case SendStatus.Rejected or SendStatus.TooLarge:
                Lost(route, count, DeliveryFailureReason.Rejected, outcome);
                break;
        }
    }

    /// <summary>Items that could not be written, or that a bug in the worker lost: failed, never the app's problem.</summary>
    public void Failed(Route route, int count, Exception? bug = null)
    {
        if (Claim(route, count) is var claimed and > 0)
        {
            Add(ref _failed, _failedCounter, route, claimed);
            if (bug is not null)
            {
                Log.WorkerError(_logger, bug, route.Path, claimed);
            }
            else
            {
                Log.Unwritable(_logger, claimed, route.Path);
            }
        }
    }

    public void Shrunk(Route route, int count) => Log.Shrunk(_logger, count, route.Path);

    public void CloseDropped(Route route, int count) => Lost(route, Claim(route, count), DeliveryFailureReason.CloseDeadline);

    /// <summary>
    /// At the close deadline: every item of the route not settled yet is dropped now, so the counts are final when close
    /// returns; the last line says how many were not sent in all, whatever the rate limit held back.
    /// </summary>
    public void Abandon(Route route)
    {
        var r = _routes[route.Index];
        Lost(route, Clamp(Interlocked.Exchange(ref r.Unsettled, 0)), DeliveryFailureReason.CloseDeadline);
        if (r.Warnings[(int)DeliveryFailureReason.CloseDeadline].TakePending() is var pending and > 0)
        {
            Log.CloseDropped(_logger, Clamp(pending), route.Path);
        }
    }

    /// <summary>
    /// The oldest items were evicted to keep the queue in budget. On the producer's thread: counts now, and reports off
    /// that thread (a log sink or a handler may be slow), one report for every drop since the last.
    /// </summary>
    public void QueueFull(Route route, int count)
    {
        var r = _routes[route.Index];
        count = Claim(route, count);
        Add(ref _dropped, _droppedCounter, route, count);
        Interlocked.Add(ref r.UnreportedDrops, count);
        if (Interlocked.Exchange(ref r.DropReportScheduled, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(
                static s =>
                {
                    Volatile.Write(ref s.Route.DropReportScheduled, 0);
                    s.Self.Lost(s.Route.Route, Clamp(Interlocked.Exchange(ref s.Route.UnreportedDrops, 0)), DeliveryFailureReason.QueueFull);
                },
                (Self: this, Route: r),
                preferLocal: false);
        }
    }

    public void Dispose() => _meter.Dispose();

    private int Claim(Route route, int count)
    {
        ref var unsettled = ref _routes[route.Index].Unsettled;
        long left, claimed;
        do
        {
            left = Volatile.Read(ref unsettled);
            claimed = Math.Min(left, count);
        }
        while (claimed > 0 && Interlocked.CompareExchange(ref unsettled, left - claimed, left) != left);
        return (int)claimed;
    }

    /// <summary>Items not delivered: counted, a warning (one line per 30 s per kind and route) and a report.</summary>
    private void Lost(Route route, int count, DeliveryFailureReason reason, SendOutcome outcome = default)
    {
        if (count == 0)
        {
            return;
        }

        if (reason == DeliveryFailureReason.CloseDeadline)
        {
            Add(ref _dropped, _droppedCounter, route, count);
        }
        else if (reason != DeliveryFailureReason.QueueFull) // counted on the producer's thread already
        {
            Add(ref _failed, _failedCounter, route, count);
        }

        var detail = reason switch
        {
            DeliveryFailureReason.QueueFull => "queue full: oldest items dropped",
            DeliveryFailureReason.CloseDeadline => "not sent before the close deadline",
            _ => outcome.Detail,
        };
        if (_routes[route.Index].Warnings[(int)reason].TryAcquire(count, out var total))
        {
            switch (reason)
            {
                case DeliveryFailureReason.QueueFull:
                    Log.QueueFull(_logger, total, route.Path);
                    break;
                case DeliveryFailureReason.CloseDeadline:
                    Log.CloseDropped(_logger, Clamp(total), route.Path);
                    break;
                case DeliveryFailureReason.RetriesExhausted:
                    Log.GaveUp(_logger, Clamp(total), route.Path, detail ?? outcome.StatusCode?.ToString(CultureInfo.InvariantCulture));
                    break;
                default:
                    Log.Rejected(_logger, Clamp(total), route.Path, outcome.StatusCode, detail);
                    break;
            }
        }

        try
        {
            DeliveryFailed?.Invoke(_sender, new(route.Path, count, reason, outcome.StatusCode, detail, outcome.Exception));
        }
        catch (Exception ex)
        {
            Log.HandlerThrew(_logger, ex);
        }
    }

    private static void Add(ref long total, Counter<long> counter, Route? route, long count)
    {
        Interlocked.Add(ref total, count);
        if (count > 0 && counter.Enabled)
        {
            if (route is null)
            {
                counter.Add(count);
            }
            else
            {
                counter.Add(count, new KeyValuePair<string, object?>("route", route.Path));
            }
        }
    }

    private static int Clamp(long value) => (int)Math.Min(int.MaxValue, value);

    /// <summary>A route's unsettled items, retry counts, warnings (by <see cref="DeliveryFailureReason"/>) and queue-full report.</summary>
    private sealed class PerRoute(Route route, TimeProvider time)
    {
        public long Unsettled;
        public long UnreportedDrops;
        public int DropReportScheduled;

        public Route Route { get; } = route;

        public RetryCounters Retries { get; } = new();

        public RateLimiter[] Warnings { get; } = Array.ConvertAll(Enum.GetValues<DeliveryFailureReason>(), _ => new RateLimiter(time));
    }
}
