using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Raindrop.Diagnostics;

namespace Raindrop.Delivery;

/// <summary>
/// The one place where items are counted as they leave a client: sent (2xx), failed (rejected, retries exhausted,
/// unwritable), dropped (queue full, close deadline); where the matching log line (rate-limited) is written and
/// <see cref="DeliveryFailed"/> raised; and where <see cref="RaindropClient.Statistics"/> and the <c>Raindrop.Sdk</c>
/// meter read them. Callers settle each item exactly once; this type only counts and tells.
/// </summary>
internal sealed class Outcomes : IDisposable
{
    public const string MeterName = "Raindrop.Sdk";

    private readonly object _sender;
    private readonly ILogger _logger;
    private readonly bool _debugLogs;
    private readonly PerRoute[] _routes;
    private readonly Meter _meter;
    private readonly Counter<long> _enqueuedCounter;
    private readonly Counter<long> _sentCounter;
    private readonly Counter<long> _droppedCounter;
    private readonly Counter<long> _failedCounter;
    private readonly Counter<long> _unserializableCounter;
    private long _enqueued;
    private long _sent;
    private long _dropped;
    private long _failed;
    private long _unserializable;

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

    /// <summary>The route's retry counts, handed down to the transport and read by the route's worker.</summary>
    public RetryCounters Retries(Route route) => _routes[route.Index].Retries;

    public void Enqueued(Route route) => Add(ref _enqueued, _enqueuedCounter, route, 1);

    /// <summary>A call accepted as the route closed, too late to be queued: dropped (no report, it is one of close's).</summary>
    public void Refused(Route route) => Add(ref _dropped, _droppedCounter, route, 1);

    public void Unserializable(int count) => Add(ref _unserializable, _unserializableCounter, null, count);

    /// <summary>A request ended (a 413 on a multi-item body is split by the worker, not settled here).</summary>
    public void Settle(Route route, RequestBody body, SendOutcome outcome)
    {
        var r = _routes[route.Index];
        switch (outcome.Status)
        {
            case SendStatus.Delivered:
                Add(ref _sent, _sentCounter, route, body.Count);
                if (_debugLogs)
                {
                    Log.Sent(_logger, body.Count, body.Content.Length, route.Path, outcome.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "ok");
                }

                break;
            case SendStatus.TooLarge or SendStatus.Rejected:
                Add(ref _failed, _failedCounter, route, body.Count);
                if (r.Rejects.TryAcquire(body.Count, out var rejected))
                {
                    Log.Rejected(_logger, Clamp(rejected), route.Path, outcome.StatusCode, outcome.Detail);
                }

                Report(new(route.Path, body.Count, DeliveryFailureReason.Rejected, outcome.StatusCode, outcome.Detail, outcome.Exception));
                break;
            case SendStatus.GaveUp:
                Add(ref _failed, _failedCounter, route, body.Count);
                if (r.GaveUps.TryAcquire(body.Count, out var gaveUp))
                {
                    Log.GaveUp(_logger, Clamp(gaveUp), route.Path, outcome.Detail ?? outcome.StatusCode?.ToString(CultureInfo.InvariantCulture));
                }

                Report(new(route.Path, body.Count, DeliveryFailureReason.RetriesExhausted, outcome.StatusCode, outcome.Detail, outcome.Exception));
                break;
            default:
                CloseDropped(route, body.Count);
                break;
        }
    }

    /// <summary>Items that could not be written, or that a bug in the worker lost: failed, never the app's problem.</summary>
    public void Failed(Route route, int count, Exception? bug = null)
    {
        if (bug is not null)
        {
            Log.WorkerError(_logger, bug, route.Path, count);
        }
        else
        {
            Log.Unwritable(_logger, count, route.Path);
        }

        Add(ref _failed, _failedCounter, route, count);
    }

    public void Shrunk(Route route, int count) => Log.Shrunk(_logger, count, route.Path);

    /// <summary>Items not sent by the close deadline.</summary>
    public void CloseDropped(Route route, int count)
    {
        Add(ref _dropped, _droppedCounter, route, count);
        if (_routes[route.Index].CloseDrops.TryAcquire(count, out var total))
        {
            Log.CloseDropped(_logger, Clamp(total), route.Path);
        }

        Report(new(route.Path, count, DeliveryFailureReason.CloseDeadline, null, "not sent before the close deadline", null));
    }

    /// <summary>Close is over: the last line says how many were not sent in all, whatever the rate limit held back.</summary>
    public void CloseEnded(Route route)
    {
        if (_routes[route.Index].CloseDrops.TakePending() is var pending and > 0)
        {
            Log.CloseDropped(_logger, Clamp(pending), route.Path);
        }
    }

    /// <summary>
    /// The oldest items were evicted to keep the queue in budget. Called on the producer's thread: counts now, and
    /// reports off that thread (a log sink or a handler may be slow); one report carries every drop since the last.
    /// </summary>
    public void QueueFull(Route route, int dropped)
    {
        Add(ref _dropped, _droppedCounter, route, dropped);
        var r = _routes[route.Index];
        Interlocked.Add(ref r.UnreportedDrops, dropped);
        if (Interlocked.Exchange(ref r.DropReportScheduled, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Self.ReportDrops(s.Route), (Self: this, Route: r), preferLocal: false);
        }
    }

    public void Dispose() => _meter.Dispose();

    private void ReportDrops(PerRoute r)
    {
        Volatile.Write(ref r.DropReportScheduled, 0);
        var count = Interlocked.Exchange(ref r.UnreportedDrops, 0);
        if (count == 0)
        {
            return;
        }

        if (r.QueueDrops.TryAcquire(count, out var total))
        {
            Log.QueueFull(_logger, total, r.Route.Path);
        }

        Report(new(r.Route.Path, Clamp(count), DeliveryFailureReason.QueueFull, null, "queue full: oldest items dropped", null));
    }

    private void Report(DeliveryFailedEventArgs args)
    {
        try
        {
            DeliveryFailed?.Invoke(_sender, args);
        }
        catch (Exception ex)
        {
            Log.HandlerThrew(_logger, ex);
        }
    }

    private static void Add(ref long field, Counter<long> counter, Route? route, long count)
    {
        Interlocked.Add(ref field, count);
        if (counter.Enabled)
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

    /// <summary>A route's retry counts, its rate-limited warnings and its pending queue-full report.</summary>
    private sealed class PerRoute(Route route, TimeProvider time)
    {
        public long UnreportedDrops;
        public int DropReportScheduled;

        public Route Route { get; } = route;

        public RetryCounters Retries { get; } = new();

        public RateLimiter QueueDrops { get; } = new(time);

        public RateLimiter CloseDrops { get; } = new(time);

        public RateLimiter Rejects { get; } = new(time);

        public RateLimiter GaveUps { get; } = new(time);
    }
}
