using Raindrop.Sdk.Tests.Delivery;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Interactions;

/// <summary>The partial-event sweep (started with the client) sends quiet interactions without any caller's context, on the app's clock.</summary>
public class InteractionSweepStartTests
{
    private static readonly AsyncLocal<object?> RequestState = new();

    [Fact]
    public async Task The_sweep_started_by_the_first_interaction_sends_its_changes_and_keeps_no_caller_context_alive()
    {
        using var api = new FakeApi();
        await using var client = api.Client(o => o.PartialFlushInterval = TimeSpan.FromMilliseconds(100));

        var (state, eventId) = await BeginFromARequestAsync(client);
        for (var i = 0; i < 3 && state.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.Delay(50);
        }

        Assert.False(state.IsAlive, "the sweep kept the caller's ExecutionContext (and its AsyncLocal state) alive");

        // The sweep is running: the quiet interaction's begin state goes out as a partial update without a flush.
        var deadline = DateTime.UtcNow + DeliveryKit.Patience;
        while (ServerMerge.Posts(api, eventId).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.NotEmpty(ServerMerge.Posts(api, eventId));
    }

    [Fact]
    public async Task With_the_apps_clock_an_advance_right_after_the_first_Begin_is_seen()
    {
        // The sweep's timer exists before Begin returns: an app testing with a fake clock advances it right after
        // (found by a breaker review: the timer used to be made on the thread pool, after Begin had returned).
        using var api = new FakeApi();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var client = api.Client(o =>
        {
            o.TimeProvider = time;
            o.PartialFlushInterval = TimeSpan.FromMilliseconds(200);
        });

        client.Begin(new() { UserId = "user-1", Event = "chat", Input = "hello" });
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(await FakeApi.Eventually(() => client.Statistics.Enqueued >= 1, TimeSpan.FromSeconds(3)),
            "the quiet interaction's begin state was not queued after the clock moved past PartialFlushInterval");
    }

    private static async Task<(WeakReference State, string EventId)> BeginFromARequestAsync(RaindropClient client)
    {
        var result = await Task.Run(() =>
        {
            var state = new byte[1024];
            RequestState.Value = state;
            var interaction = client.Begin(new() { UserId = "user-1", Event = "chat", Input = "hello" });
            return (new WeakReference(state), interaction.EventId);
        });
        await Task.Delay(100); // the sweep is running and waiting for its next tick
        return result;
    }
}
