using Raindrop.Delivery;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Delivery;

/// <summary>The transport is built after construction, once, by whichever of the warm-up thread and the first send comes first.</summary>
public class LazyTransportTests
{
    [Fact]
    public void Racing_first_uses_build_one_transport()
    {
        using var api = new FakeApi();
        var builds = 0;
        using var lazy = new LazyTransport(() =>
        {
            Interlocked.Increment(ref builds);
            Thread.Sleep(20); // long enough for the racers to meet inside the build
            return NewTransport(api);
        });

        var seen = new HttpTransport[4];
        var threads = Enumerable.Range(0, seen.Length).Select(i => new Thread(() => seen[i] = lazy.Value)).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Equal(1, builds);
        Assert.All(seen, t => Assert.Same(seen[0], t));
    }

    [Fact]
    public void A_build_that_throws_is_tried_again_by_the_next_use()
    {
        using var api = new FakeApi();
        var builds = 0;
        using var lazy = new LazyTransport(() => ++builds == 1 ? throw new InvalidOperationException("first build fails") : NewTransport(api));

        Assert.Throws<InvalidOperationException>(() => lazy.Value);
        Assert.NotNull(lazy.Value);
        Assert.Equal(2, builds);
    }

    [Fact]
    public void After_dispose_nothing_is_built()
    {
        var builds = 0;
        var lazy = new LazyTransport(() =>
        {
            builds++;
            throw new InvalidOperationException("must not be built");
        });

        lazy.Dispose();

        Assert.Throws<ObjectDisposedException>(() => lazy.Value);
        Assert.Equal(0, builds);
    }

    [Fact]
    public async Task A_client_delivers_when_its_first_send_builds_the_transport()
    {
        // A pipeline on its own has no warm-up thread: the route's first send finds no transport and builds it itself.
        using var api = new FakeApi();
        var options = api.Options();
        RaindropOptions.TryNormalizeEndpoint(options.Endpoint, out var baseUri);
        var pipeline = new DeliveryPipeline(options, baseUri, TimeProvider.System, new Raindrop.Diagnostics.SdkMetrics(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, _ => { });
        pipeline.Events.TryEnqueue(new EventItem("lazy-1", "u", "e", DateTimeOffset.UtcNow, default, null, "in", "out", null, null, null));

        await pipeline.FlushAsync().WaitAsync(DeliveryKit.Patience);
        await pipeline.CloseAsync(TimeSpan.FromSeconds(5));
        pipeline.Dispose();

        Assert.Equal(["lazy-1"], DeliveryKit.Ids(api.Items(DeliveryKit.Events)));
    }

    [Fact]
    public async Task Closing_right_after_the_first_call_while_the_transport_is_being_built_delivers_exactly_once()
    {
        for (var run = 0; run < 10; run++)
        {
            using var api = new FakeApi();
            var client = api.Client(o => o.FlushInterval = TimeSpan.FromMinutes(10));
            client.TrackAi(DeliveryKit.Ai("c" + run));
            await client.DisposeAsync();

            var stats = client.Statistics;
            Assert.Equal(1, stats.Sent);
            Assert.Equal(0, stats.Dropped + stats.Failed);
            Assert.Equal(["c" + run], DeliveryKit.Ids(api.Items(DeliveryKit.Events)));
        }
    }

    private static HttpTransport NewTransport(FakeApi api)
    {
        var options = api.Options();
        RaindropOptions.TryNormalizeEndpoint(options.Endpoint, out var baseUri);
        return new HttpTransport(options, baseUri, TimeProvider.System);
    }
}
