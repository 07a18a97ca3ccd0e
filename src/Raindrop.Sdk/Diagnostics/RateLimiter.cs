namespace Raindrop.Diagnostics;

/// <summary>
/// Lets one warning of a kind through per period (30 s), counting what it held back so the next line can
/// report the total. Thread-safe; one per kind.
/// </summary>
internal sealed class RateLimiter
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _period;
    private long _lastTimestamp;
    private long _suppressed;
    private int _everFired;

    public RateLimiter(TimeProvider time, TimeSpan? period = null)
    {
        _time = time;
        _period = period ?? TimeSpan.FromSeconds(30);
    }

    /// <summary>Adds <paramref name="count"/> occurrences; returns true (and the total since the last line) when a line may be written now.</summary>
    public bool TryAcquire(long count, out long total)
    {
        var pending = Interlocked.Add(ref _suppressed, count);
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastTimestamp);
        var first = Interlocked.Exchange(ref _everFired, 1) == 0;
        if ((first || _time.GetElapsedTime(last, now) >= _period) && Interlocked.CompareExchange(ref _lastTimestamp, now, last) == last)
        {
            total = Interlocked.Exchange(ref _suppressed, 0);
            return total > 0 || pending > 0;
        }

        total = 0;
        return false;
    }

    /// <summary>Takes the occurrences held back since the last line (for a final summary line, e.g. at close).</summary>
    public long TakePending() => Interlocked.Exchange(ref _suppressed, 0);
}
