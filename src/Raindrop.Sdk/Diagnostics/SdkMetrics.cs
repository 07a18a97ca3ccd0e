using System.Diagnostics.Metrics;

namespace Raindrop.Diagnostics;

/// <summary>
/// The client's delivery counters: plain fields for <see cref="RaindropClient.Statistics"/> and, for
/// OpenTelemetry/dotnet-counters, instruments on a per-client <see cref="Meter"/> named <c>Raindrop.Sdk</c>.
/// </summary>
internal sealed class SdkMetrics : IDisposable
{
    public const string MeterName = "Raindrop.Sdk";

    private readonly Meter _meter;
    private readonly Counter<long> _enqueued;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _unserializable;
    private long _enqueuedCount;
    private long _sentCount;
    private long _retriedCount;
    private long _droppedCount;
    private long _failedCount;
    private long _unserializableCount;

    public SdkMetrics()
    {
        _meter = new Meter(new MeterOptions(MeterName) { Version = SdkInfo.Version });
        _enqueued = _meter.CreateCounter<long>("raindrop.items.enqueued", "{item}", "Items accepted onto the queue.");
        _sent = _meter.CreateCounter<long>("raindrop.items.sent", "{item}", "Items the server accepted (2xx).");
        _retried = _meter.CreateCounter<long>("raindrop.requests.retried", "{request}", "Request attempts that were retried.");
        _dropped = _meter.CreateCounter<long>("raindrop.items.dropped", "{item}", "Items dropped: queue full, or not sent by the close deadline.");
        _failed = _meter.CreateCounter<long>("raindrop.items.failed", "{item}", "Items the server rejected or that kept failing past the retry budget.");
        _unserializable = _meter.CreateCounter<long>("raindrop.values.unserializable", "{value}", "App values that threw or could not be serialized and were sent as a short description.");
    }

    public RaindropStatistics Snapshot() => new(
        Interlocked.Read(ref _enqueuedCount),
        Interlocked.Read(ref _sentCount),
        Interlocked.Read(ref _retriedCount),
        Interlocked.Read(ref _droppedCount),
        Interlocked.Read(ref _failedCount),
        Interlocked.Read(ref _unserializableCount));

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // hot: skip the slow first tier
    public void Enqueued(string route)
    {
        Interlocked.Increment(ref _enqueuedCount);
        if (_enqueued.Enabled)
        {
            _enqueued.Add(1, new KeyValuePair<string, object?>("route", route));
        }
    }

    public void Sent(string route, int count) => Add(ref _sentCount, _sent, route, count);

    public void Retried(string route) => Add(ref _retriedCount, _retried, route, 1);

    public void Dropped(string route, int count) => Add(ref _droppedCount, _dropped, route, count);

    public void Failed(string route, int count) => Add(ref _failedCount, _failed, route, count);

    public void Unserializable(int count)
    {
        Interlocked.Add(ref _unserializableCount, count);
        _unserializable.Add(count);
    }

    public void Dispose() => _meter.Dispose();

    private static void Add(ref long field, Counter<long> counter, string route, int count)
    {
        Interlocked.Add(ref field, count);
        if (counter.Enabled)
        {
            counter.Add(count, new KeyValuePair<string, object?>("route", route));
        }
    }
}
