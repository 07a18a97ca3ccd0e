namespace Raindrop.Diagnostics;

/// <summary>
/// The client's delivery counters: plain fields for <see cref="RaindropClient.Statistics"/> and, for
/// OpenTelemetry/dotnet-counters, instruments on a per-client meter named <c>Raindrop.Sdk</c> (<see cref="SdkInstruments"/>).
/// </summary>
internal sealed class SdkMetrics : IDisposable
{
    private readonly SdkInstruments _instruments = new();
    private long _enqueuedCount;
    private long _sentCount;
    private long _retriedCount;
    private long _droppedCount;
    private long _failedCount;
    private long _unserializableCount;

    public RaindropStatistics Snapshot() => new(
        Interlocked.Read(ref _enqueuedCount),
        Interlocked.Read(ref _sentCount),
        Interlocked.Read(ref _retriedCount),
        Interlocked.Read(ref _droppedCount),
        Interlocked.Read(ref _failedCount),
        Interlocked.Read(ref _unserializableCount));

    public void Enqueued(string route)
    {
        Interlocked.Increment(ref _enqueuedCount);
        _instruments.Add(SdkInstruments.Enqueued, route, 1);
    }

    public void Sent(string route, int count) => Add(ref _sentCount, SdkInstruments.Sent, route, count);

    public void Retried(string route) => Add(ref _retriedCount, SdkInstruments.Retried, route, 1);

    public void Dropped(string route, int count) => Add(ref _droppedCount, SdkInstruments.Dropped, route, count);

    public void Failed(string route, int count) => Add(ref _failedCount, SdkInstruments.Failed, route, count);

    public void Unserializable(int count) => Add(ref _unserializableCount, SdkInstruments.Unserializable, route: null, count);

    public void Dispose() => _instruments.Dispose();

    private void Add(ref long field, int counter, string? route, int count)
    {
        Interlocked.Add(ref field, count);
        _instruments.Add(counter, route, count);
    }
}
