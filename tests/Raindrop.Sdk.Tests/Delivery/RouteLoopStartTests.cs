using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using Raindrop.Delivery;
using Raindrop.Diagnostics;
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

    [Fact]
    public async Task A_flush_right_after_an_item_never_completes_before_the_loop_that_sends_it_exists()
    {
        // Two producers race to start a route's loop; the second one's flush must wait for its item, not find "no loop".
        using var api = new FakeApi();
        var options = api.Options(o => o.FlushInterval = TimeSpan.FromMinutes(10));
        RaindropOptions.TryNormalizeEndpoint(options.Endpoint, out var baseUri);
        var early = 0;
        for (var run = 0; run < 200; run++)
        {
            var pipeline = new DeliveryPipeline(options, baseUri, TimeProvider.System, new SdkMetrics(), NullLogger.Instance, _ => { });
            var worker = pipeline.Events;
            var second = new Thread(() =>
            {
                while (QueueOf(worker).Count == 0 && LoopOf(worker) is null)
                {
                    // until the first producer has its item on the queue and is starting the loop (or has started it)
                }

                worker.TryEnqueue(Item("b"));
                if (worker.FlushAsync().IsCompleted)
                {
                    Interlocked.Increment(ref early);
                }
            });
            second.Start();
            worker.TryEnqueue(Item("a"));
            second.Join();
            await pipeline.CloseAsync(TimeSpan.FromSeconds(2));
            pipeline.Dispose();
        }

        Assert.Equal(0, early);
    }

    [Fact]
    public async Task Flushes_leave_no_requests_behind_on_routes_that_never_got_an_item()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.TrackAi(DeliveryKit.Ai("one"));
        for (var i = 0; i < 200; i++)
        {
            await client.FlushAsync().WaitAsync(DeliveryKit.Patience);
        }

        var pipeline = PipelineOf(client)!;
        var left = new[] { pipeline.Events, pipeline.Partial, pipeline.Signals, pipeline.Identify }.Select(w => FlushRequestsOf(w).Count).ToArray();
        Assert.Equal([0, 0, 0, 0], left);
    }

    [Fact]
    public async Task A_queue_bound_below_the_batch_size_sends_partial_batches_instead_of_dropping_until_the_interval()
    {
        using var api = new FakeApi();
        await using var client = api.Client(o =>
        {
            o.MaxQueueSize = 10;
            o.BatchSize = 100;
            o.FlushInterval = TimeSpan.FromSeconds(30);
        });
        for (var i = 0; i < 200; i++)
        {
            client.TrackAi(DeliveryKit.Ai($"q{i}"));
            await Task.Delay(2);
        }

        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);
        var stats = client.Statistics;
        Assert.True(stats.Dropped < 100, $"{stats.Dropped} of 200 dropped with a server that answers at once: the loop sat on a partial batch while the queue was at its bound");
        Assert.Equal(200, stats.Sent + stats.Dropped);
    }

    private static EventItem Item(string id) => new(id, "u", "e", DateTimeOffset.UtcNow, default, null, "x", null, null, null, null);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_queue")]
    private static extern ref ItemQueue QueueOf(RouteWorker worker);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_loop")]
    private static extern ref Task? LoopOf(RouteWorker worker);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_flushRequests")]
    private static extern ref ConcurrentQueue<TaskCompletionSource> FlushRequestsOf(RouteWorker worker);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_pipeline")]
    private static extern ref DeliveryPipeline? PipelineOf(RaindropClient client);

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
