using Microsoft.Extensions.Time.Testing;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Robustness;

/// <summary>
/// WIRE.md §5: the deadlines that protect the app (<c>FlushTimeout</c>, <c>CloseTimeout</c>) are real elapsed time
/// whatever <c>TimeProvider</c> the app gives; batch intervals, backoff and timestamps follow the app's clock.
/// </summary>
public sealed class FrozenClockTests
{
    private static readonly DateTimeOffset Start = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public async Task With_a_frozen_fake_clock_FlushAsync_returns_by_its_FlushTimeout_while_a_request_is_failing()
    {
        using var api = new FakeApi();
        api.Script("events/track", r => r.WithStatusCode(503));
        var clock = new FakeTimeProvider(Start); // never advanced: a retry's backoff never ends on it
        await using var client = api.Client(o =>
        {
            o.TimeProvider = clock;
            o.FlushTimeout = TimeSpan.FromMilliseconds(300);
            o.CloseTimeout = TimeSpan.FromSeconds(1);
        });
        client.Track(new TrackEvent { UserId = "u", Event = "e", EventId = "frozen" });

        Assert.False(await client.FlushAsync().WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.True(await FakeApi.Eventually(() => api.Requests("events/track").Count >= 1));

        await client.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(1, client.Statistics.Dropped);
    }

    [Fact]
    public async Task With_a_frozen_fake_clock_RequestTimeout_still_ends_an_attempt_to_a_hung_server()
    {
        using var api = new FakeApi();
        api.Script("events/track", r => r.WithDelay(TimeSpan.FromSeconds(30)).WithStatusCode(204));
        var clock = new FakeTimeProvider(Start);
        await using var client = api.Client(o =>
        {
            o.TimeProvider = clock;
            o.RequestTimeout = TimeSpan.FromMilliseconds(300);
            o.FlushTimeout = TimeSpan.FromMilliseconds(200);
            o.CloseTimeout = TimeSpan.FromSeconds(1);
        });
        client.Track(new TrackEvent { UserId = "u", Event = "e" });
        Assert.False(await client.FlushAsync()); // sends the batch now, whatever the app's clock says

        // The attempt is cut by RequestTimeout in real time and retried (its backoff then waits on the frozen clock);
        // the wait is generous for a loaded machine: on the app's clock it would never happen at all.
        Assert.True(await FakeApi.Eventually(() => client.Statistics.Retried >= 1, TimeSpan.FromSeconds(30)));
        await client.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task The_batch_interval_and_timestamps_follow_the_apps_clock()
    {
        using var api = new FakeApi();
        var clock = new FakeTimeProvider(Start);
        await using var client = api.Client(o =>
        {
            o.TimeProvider = clock;
            o.FlushInterval = TimeSpan.FromSeconds(5);
        });
        client.Track(new TrackEvent { UserId = "u", Event = "e", EventId = "on-the-clock" });

        clock.Advance(TimeSpan.FromSeconds(5)); // the batch interval passes on the app's clock only
        Assert.True(await FakeApi.Eventually(() => api.Items("events/track").Count == 1));
        Assert.Equal("2030-01-02T03:04:05.000Z", (string?)api.Items("events/track")[0]["timestamp"]);
    }
}
