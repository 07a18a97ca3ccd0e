using Microsoft.Extensions.Time.Testing;
using Raindrop.Diagnostics;

namespace Raindrop.Sdk.Tests.Diagnostics;

public class RateLimiterTests
{
    [Fact]
    public void The_first_occurrence_is_reported_then_one_line_per_period_with_the_count_held_back()
    {
        var time = new FakeTimeProvider();
        var limiter = new RateLimiter(time);

        Assert.True(limiter.TryAcquire(3, out var first));
        Assert.Equal(3, first);

        Assert.False(limiter.TryAcquire(5, out _));
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(limiter.TryAcquire(2, out _));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limiter.TryAcquire(1, out var second));
        Assert.Equal(8, second); // 5 + 2 held back, plus this one

        Assert.False(limiter.TryAcquire(1, out _));
    }

    [Fact]
    public void Concurrent_occurrences_let_exactly_one_line_through_per_period()
    {
        var time = new FakeTimeProvider();
        var limiter = new RateLimiter(time);
        var granted = 0;
        long reported = 0;
        Parallel.For(0, 10_000, _ =>
        {
            if (limiter.TryAcquire(1, out var total))
            {
                Interlocked.Increment(ref granted);
                Interlocked.Add(ref reported, total);
            }
        });

        Assert.Equal(1, granted);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(limiter.TryAcquire(0, out var rest));
        Assert.Equal(10_000, reported + rest);
    }
}
