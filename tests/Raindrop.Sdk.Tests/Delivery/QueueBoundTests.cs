using System.Collections.Concurrent;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Delivery;

/// <summary>WIRE.md §5 queue bounds: drop oldest by count and by bytes; the caller never waits on the network.</summary>
public class QueueBoundTests
{
    private const string Route = DeliveryKit.Events;

    [Fact]
    public async Task A_full_queue_drops_the_oldest_items_and_keeps_the_newest()
    {
        using var api = new FakeApi();
        var gate = ServerGate.Hold(api, Route);
        var failures = new ConcurrentQueue<DeliveryFailedEventArgs>();
        await using var client = api.Client(o =>
        {
            o.MaxQueueSize = 10;
            o.BatchSize = 1;
            o.MaxConcurrentRequests = 1;
            o.RequestTimeout = TimeSpan.FromSeconds(30);
            o.CloseTimeout = TimeSpan.FromSeconds(1);
        });
        client.DeliveryFailed += (_, e) => failures.Enqueue(e);

        // The first event is in flight, held by the server, before the flood starts.
        client.TrackAi(DeliveryKit.Ai("ev-000"));
        Assert.True(await FakeApi.Eventually(() => gate.Arrived == 1));
        for (var i = 1; i <= 100; i++)
        {
            client.TrackAi(DeliveryKit.Ai($"ev-{i:000}"));
        }

        // While ev-000 is held (one request at a time) the worker can take exactly one more item out of the queue
        // (it then waits for a slot); the queue keeps at most 10. So of the 100, 89 or 90 are dropped.
        var dropped = client.Statistics.Dropped;
        Assert.InRange(dropped, 89, 90);
        Assert.Equal(101, client.Statistics.Enqueued);
        Assert.True(await FakeApi.Eventually(() => failures.Any(f => f.Reason == DeliveryFailureReason.QueueFull)), "No QueueFull DeliveryFailed was raised.");
        var queueFull = failures.Where(f => f.Reason == DeliveryFailureReason.QueueFull).ToList();
        Assert.All(queueFull, f => Assert.Equal(Route, f.Route));
        Assert.InRange(queueFull.Sum(f => f.ItemCount), 1, dropped);

        gate.Open();
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);

        var delivered = DeliveryKit.Ids(api.Items(Route));
        Assert.Equal(delivered.Count, delivered.Distinct().Count());
        Assert.Equal(101, delivered.Count + client.Statistics.Dropped);
        Assert.Contains("ev-000", delivered);
        var newest = Enumerable.Range(92, 9).Select(i => $"ev-{i:000}");
        Assert.All(newest, id => Assert.Contains(id, delivered));
        var oldSurvivors = delivered.Where(id => string.CompareOrdinal(id, "ev-000") > 0 && string.CompareOrdinal(id, "ev-091") < 0).ToList();
        Assert.True(oldSurvivors.Count <= 1, $"Old items survived the full queue: {string.Join(", ", oldSurvivors)}.");
    }

    [Fact]
    public async Task The_byte_bound_keeps_a_flood_of_large_events_from_piling_up()
    {
        using var api = new FakeApi();
        var gate = ServerGate.Hold(api, Route);
        await using var client = api.Client(o =>
        {
            o.MaxQueueBytes = 8L * 1024 * 1024;
            o.CloseTimeout = TimeSpan.FromSeconds(2);
        });

        var megabyte = new string('m', 1_000_000);
        for (var i = 0; i < 100; i++)
        {
            client.TrackAi(DeliveryKit.Ai($"big-{i:000}", megabyte));
        }

        // At most 8 such events fit in 8 MiB; a few more may be in the worker's hands (in flight or batched).
        var dropped = client.Statistics.Dropped;
        Assert.True(dropped >= 80, $"Only {dropped} of 100 one-MB events were dropped with MaxQueueBytes = 8 MiB.");

        gate.Open();
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);
        var delivered = DeliveryKit.Ids(api.Items(Route));
        Assert.Equal(100, delivered.Count + client.Statistics.Dropped);
        Assert.Contains("big-099", delivered);
    }

    [Fact]
    public async Task TrackAi_does_not_block_while_the_server_hangs()
    {
        using var api = new FakeApi();
        var gate = ServerGate.Hold(api, Route);
        await using var client = api.Client(o => o.CloseTimeout = TimeSpan.FromSeconds(1));

        client.TrackAi(DeliveryKit.Ai("first"));
        Assert.True(await FakeApi.Eventually(() => gate.Arrived >= 1));

        var ids = new List<string>();
        for (var i = 0; i < 1_000; i++)
        {
            ids.Add(client.TrackAi(DeliveryKit.Ai($"ev-{i:0000}")));
        }

        // Every call returned while the server had answered nothing.
        Assert.False(gate.IsOpen);
        Assert.Empty(api.Requests(Route));
        Assert.Equal(1_000, ids.Distinct().Count());
        Assert.Equal(1_001, client.Statistics.Enqueued);

        // And nothing was lost while it hung.
        gate.Open();
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);
        Assert.Equal(1_001, api.Items(Route).Count);
        Assert.Equal(0, client.Statistics.Dropped);
    }
}

/// <summary>
/// Holds every request on a route at the server until <see cref="Open"/>, then answers 204 (and answers later
/// requests at once). WireMock logs a request only once it is answered, so held requests are counted here.
/// </summary>
internal sealed class ServerGate
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _arrived;

    private ServerGate()
    {
    }

    public int Arrived => Volatile.Read(ref _arrived);

    public bool IsOpen => _open.Task.IsCompleted;

    public static ServerGate Hold(FakeApi api, string route)
    {
        var gate = new ServerGate();
        DeliveryKit.Answer(api, route, async _ =>
        {
            Interlocked.Increment(ref gate._arrived);
            await gate._open.Task;
            return 204;
        });
        return gate;
    }

    public void Open() => _open.TrySetResult();
}
