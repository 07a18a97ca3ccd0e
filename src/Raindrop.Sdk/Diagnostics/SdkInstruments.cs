using System.Diagnostics.Metrics;

namespace Raindrop.Diagnostics;

/// <summary>
/// The instruments of a client's <see cref="Meter"/> named <c>Raindrop.Sdk</c>, created on a pool thread once there is
/// something to count: the first <c>Meter</c> of a process initializes System.Diagnostics' event sources, 10-20 ms
/// that neither a client's constructor nor the app's thread should pay, nor compete with while the client is built.
/// Measurements made before the instruments exist are summed and recorded once they do, so a listener sees the same
/// totals, a few milliseconds late.
/// </summary>
internal sealed class SdkInstruments : IDisposable
{
    public const string MeterName = "Raindrop.Sdk";

    // Indexes into the counters, in the order Create makes them.
    public const int Enqueued = 0;
    public const int Sent = 1;
    public const int Retried = 2;
    public const int Dropped = 3;
    public const int Failed = 4;
    public const int Unserializable = 5;
    private const int CounterCount = 6;

    // Routes seen before the instruments exist (four routes and "none" in practice); sums per counter and route.
    // Plain arrays: a dictionary keyed by a tuple would be compiled on the app's first TrackAi.
    private const int RouteSlots = 8;

    private readonly object _gate = new();
    private string?[]? _earlyRoutes = new string?[RouteSlots];
    private long[]? _earlySums = new long[RouteSlots * CounterCount];
    private int _earlyRouteCount;
    private Counter<long>[]? _counters;
    private Meter? _meter;
    private bool _creating;
    private bool _disposed;

    /// <summary>The meter once made (none before anything is counted).</summary>
    internal Meter? Meter => Volatile.Read(ref _meter);

    /// <summary>Adds to a counter, tagged with the route when there is one; before the instruments exist, remembers it.</summary>
    public void Add(int counter, string? route, long count)
    {
        var counters = Volatile.Read(ref _counters);
        if (counters is null)
        {
            if (Remember(counter, route, count))
            {
                return;
            }

            counters = Volatile.Read(ref _counters);
            if (counters is null)
            {
                return; // disposed, or the meter could not be made
            }
        }

        Record(counters[counter], route, count);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _earlyRoutes = null;
            _earlySums = null;
        }

        _meter?.Dispose();
    }

    private static void Record(Counter<long> counter, string? route, long count)
    {
        if (!counter.Enabled)
        {
            return;
        }

        if (route is null)
        {
            counter.Add(count);
        }
        else
        {
            counter.Add(count, new KeyValuePair<string, object?>("route", route));
        }
    }

    /// <summary>Sums a measurement made before the instruments exist (and has them made); false once they do.</summary>
    private bool Remember(int counter, string? route, long count)
    {
        lock (_gate)
        {
            if (_earlyRoutes is not { } routes || _earlySums is not { } sums)
            {
                return false;
            }

            var slot = 0;
            while (slot < _earlyRouteCount && !string.Equals(routes[slot], route, StringComparison.Ordinal))
            {
                slot++;
            }

            if (slot == _earlyRouteCount && slot < RouteSlots)
            {
                routes[slot] = route;
                _earlyRouteCount++;
            }

            if (slot < RouteSlots)
            {
                sums[(slot * CounterCount) + counter] += count;
            }

            if (!_creating)
            {
                // No ExecutionContext: the app's flow has nothing to do with creating instruments.
                _creating = true;
                ThreadPool.UnsafeQueueUserWorkItem(static self => self.Create(), this, preferLocal: false);
            }

            return true;
        }
    }

    private void Create()
    {
        Meter? meter = null;
        try
        {
            meter = new Meter(new MeterOptions(MeterName) { Version = SdkInfo.Version });
            Counter<long>[] counters =
            [
                meter.CreateCounter<long>("raindrop.items.enqueued", "{item}", "Items accepted onto the queue."),
                meter.CreateCounter<long>("raindrop.items.sent", "{item}", "Items the server accepted (2xx)."),
                meter.CreateCounter<long>("raindrop.requests.retried", "{request}", "Request attempts that were retried."),
                meter.CreateCounter<long>("raindrop.items.dropped", "{item}", "Items dropped: queue full, or not sent by the close deadline."),
                meter.CreateCounter<long>("raindrop.items.failed", "{item}", "Items the server rejected or that kept failing past the retry budget."),
                meter.CreateCounter<long>("raindrop.values.unserializable", "{value}", "App values that threw or could not be serialized and were sent as a short description."),
            ];

            string?[]? routes;
            long[]? sums;
            int routeCount;
            lock (_gate)
            {
                if (_disposed)
                {
                    meter.Dispose();
                    return;
                }

                _meter = meter;
                Volatile.Write(ref _counters, counters);
                routes = _earlyRoutes;
                sums = _earlySums;
                routeCount = _earlyRouteCount;
                _earlyRoutes = null;
                _earlySums = null;
            }

            for (var slot = 0; slot < routeCount; slot++)
            {
                for (var counter = 0; counter < CounterCount; counter++)
                {
                    if (sums![(slot * CounterCount) + counter] is var sum and > 0)
                    {
                        Record(counters[counter], routes![slot], sum);
                    }
                }
            }
        }
        catch (Exception)
        {
            // Metrics are an extra: without them the client works and its Statistics still count. Nothing may escape
            // a pool work item.
            lock (_gate)
            {
                _earlyRoutes = null;
                _earlySums = null;
            }

            meter?.Dispose();
        }
    }
}
