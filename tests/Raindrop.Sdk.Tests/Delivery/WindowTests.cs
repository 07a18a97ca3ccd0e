using System.Text;
using Microsoft.Extensions.Time.Testing;
using Raindrop.Delivery;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Delivery;

/// <summary>
/// WIRE.md §5: a sporadic failure does not narrow a route to one request in flight; 3 failed attempts in a row do, and a
/// success widens it again. Retry backoff follows a fake clock, so a failed request waits in its backoff until the test
/// moves the clock.
/// </summary>
public sealed class WindowTests
{
    [Fact]
    public async Task A_sporadic_failure_keeps_the_window_open_three_in_a_row_narrow_it_and_a_success_widens_it_again()
    {
        using var api = new FakeApi();
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var flakyHealthy = 0;
        var held = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        DeliveryKit.Answer(api, DeliveryKit.Events, async request =>
        {
            var body = request.Body ?? Encoding.UTF8.GetString(request.BodyAsBytes ?? []);
            if (body.Contains("\"flaky\"", StringComparison.Ordinal))
            {
                return Volatile.Read(ref flakyHealthy) == 1 ? 204 : 503;
            }

            Interlocked.Increment(ref held);
            await Volatile.Read(ref gate).Task;
            Interlocked.Decrement(ref held);
            return 204;
        });
        await using var client = api.Client(o =>
        {
            o.TimeProvider = clock;
            o.BatchSize = 1;
        });

        // One failure: the flaky request waits out its backoff (the clock stands still) and the route stays wide.
        client.TrackAi(DeliveryKit.Ai("flaky"));
        Assert.True(await FakeApi.Eventually(() => client.Statistics.Retried == 1));
        for (var i = 0; i < 3; i++)
        {
            client.TrackAi(DeliveryKit.Ai($"during-{i}"));
        }

        Assert.True(await FakeApi.Eventually(() => Volatile.Read(ref held) == 3), $"only {held} requests beside the retrying one");
        gate.SetResult();
        Assert.True(await FakeApi.Eventually(() => Volatile.Read(ref held) == 0));

        // Three failures in a row: failing. Then the flaky request succeeds, and the route is wide again.
        Volatile.Write(ref gate, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        Assert.True(await FakeApi.Eventually(() => Advance(clock) && client.Statistics.Retried >= InFlightWindow.FailuresBeforeNarrowing));
        Interlocked.Exchange(ref flakyHealthy, 1);
        Assert.True(await FakeApi.Eventually(() => Advance(clock) && api.Items(DeliveryKit.Events).Any(i => (string?)i["event_id"] == "flaky")));
        for (var i = 0; i < 3; i++)
        {
            client.TrackAi(DeliveryKit.Ai($"after-{i}"));
        }

        Assert.True(await FakeApi.Eventually(() => Volatile.Read(ref held) == 3), $"only {held} requests in flight after the success");
        gate.SetResult();
        Assert.True(await client.FlushAsync());
    }

    private static bool Advance(FakeTimeProvider clock)
    {
        clock.Advance(TimeSpan.FromSeconds(2)); // FakeApi's MaxRetryDelay: any backoff (or Retry-After) has passed
        return true;
    }
}
