using System.Runtime.CompilerServices;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Delivery;

/// <summary>A route's loop starts with its first item, from the app's call: it must not take the caller's context along.</summary>
public class RouteLoopStartTests
{
    private static readonly AsyncLocal<object?> RequestState = new();

    [Fact]
    public async Task The_loop_started_by_the_first_call_does_not_keep_the_callers_ExecutionContext_alive()
    {
        using var api = new FakeApi();
        await using var client = api.Client(o => o.FlushInterval = TimeSpan.FromMinutes(10));

        // Like a request's state (an HttpContext in an AsyncLocal): once the request is over, nothing of the SDK's may
        // hold it. A loop started with the caller's ExecutionContext would, for as long as the client lives.
        var state = await CallFromARequestAsync(client);
        for (var i = 0; i < 3 && state.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.Delay(50);
        }

        Assert.False(state.IsAlive, "the route loop kept the caller's ExecutionContext (and its AsyncLocal state) alive");
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);
        Assert.Single(api.Items(DeliveryKit.Events));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> CallFromARequestAsync(RaindropClient client)
    {
        var weak = await Task.Run(() =>
        {
            var state = new byte[1024];
            RequestState.Value = state;
            client.TrackAi(DeliveryKit.Ai("first-of-route"));
            return new WeakReference(state);
        });
        await Task.Delay(100); // the loop is running and waiting for more
        return weak;
    }
}
