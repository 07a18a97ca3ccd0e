using System.Diagnostics.Metrics;

namespace Raindrop.Diagnostics;

/// <summary>
/// The instruments of a client's <see cref="Meter"/> named <c>Raindrop.Sdk</c>, created on a pool thread: the first
/// <c>Meter</c> of a process initializes System.Diagnostics' event sources, 10-20 ms that a client's constructor
/// should not pay. Measurements made before the instruments exist are summed and recorded once they do, so a
/// listener sees the same totals, a few milliseconds late.
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

    private readonly object _gate = new();
    private Dictionary<(int Counter, string? Route), long>? _early = [];
    private Counter<long>[]? _counters;
    private Meter? _meter;
    private bool _disposed;

    public SdkInstruments()
    {
        // No ExecutionContext: the app's flow has nothing to do with creating instruments.
        ThreadPool.UnsafeQueueUserWorkItem(static self => self.Create(), this, preferLocal: false);
    }

    /// <summary>Adds to a counter, tagged with the route when there is one; before the instruments exist, remembers it.</summary>
    public void Add(int counter, string? route, long count)
    {
        var counters = Volatile.Read(ref _counters);
        if (counters is null)
        {
            lock (_gate)
            {
                if (_early is { } early)
                {
                    early[(counter, route)] = early.GetValueOrDefault((counter, route)) + count;
                    return;
                }
            }

            counters = Volatile.Read(ref _counters);
            if (counters is null)
            {
                return; // disposed before they were made
            }
        }

        Record(counters[counter], route, count);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _early = null;
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

            Dictionary<(int Counter, string? Route), long>? early;
            lock (_gate)
            {
                if (_disposed)
                {
                    meter.Dispose();
                    return;
                }

                _meter = meter;
                Volatile.Write(ref _counters, counters);
                early = _early;
                _early = null;
            }

            foreach (var ((counter, route), count) in early ?? [])
            {
                Record(counters[counter], route, count);
            }
        }
        catch (Exception)
        {
            // Metrics are an extra: without them the client works and its Statistics still count. Nothing may escape
            // a pool work item.
            lock (_gate)
            {
                _early = null;
            }

            meter?.Dispose();
        }
    }
}
