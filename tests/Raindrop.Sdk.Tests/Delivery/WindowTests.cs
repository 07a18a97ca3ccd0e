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

    [Fact]
    public async Task Two_updates_of_one_interaction_are_never_in_flight_at_once_and_arrive_in_order()
    {
        using var api = new FakeApi();
        var inFlight = 0;
        var overlapped = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        DeliveryKit.Answer(api, "events/track_partial", async _ =>
        {
            if (Interlocked.Increment(ref inFlight) > 1)
            {
                Interlocked.Exchange(ref overlapped, 1);
            }

            await gate.Task;
            Interlocked.Decrement(ref inFlight);
            return 204;
        });
        await using var client = api.Client();

        // The pending update goes out and the server holds it; the final one, queued meanwhile, must wait for it
        // (the partial route has room for many requests, so only the order rule keeps it back).
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "chat", EventId = "one", Input = "hi" });
        var flushed = client.FlushAsync();
        Assert.True(await FakeApi.Eventually(() => Volatile.Read(ref inFlight) == 1));
        await interaction.FinishAsync(output: "bye");
        Assert.False(await FakeApi.Eventually(() => Volatile.Read(ref overlapped) == 1, TimeSpan.FromMilliseconds(500)), "the final update was sent while the first was in flight");

        gate.SetResult();
        Assert.True(await flushed);
        Assert.True(await client.FlushAsync());
        Assert.Equal(0, Volatile.Read(ref overlapped));
        Assert.Equal([true, false], api.Items("events/track_partial").Select(i => (bool?)i["is_pending"]));
    }

    private static bool Advance(FakeTimeProvider clock)
    {
        clock.Advance(TimeSpan.FromSeconds(2)); // FakeApi's MaxRetryDelay: any backoff (or Retry-After) has passed
        return true;
    }
}
