using System.Text.Json.Nodes;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Delivery;

/// <summary>WIRE.md §5 batches: BatchSize, the 1 MiB body cap, FlushInterval, concurrency, independent routes.</summary>
public class BatchingTests
{
    [Fact]
    public async Task Batches_hold_at_most_BatchSize_items()
    {
        using var api = new FakeApi();
        await using var client = api.Client(o => o.BatchSize = 100);

        var ids = Enumerable.Range(0, 250).Select(i => $"ev-{i:000}").ToList();
        foreach (var id in ids)
        {
            client.TrackAi(DeliveryKit.Ai(id));
        }

        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);

        var counts = api.Bodies(DeliveryKit.Events).Select(DeliveryKit.ItemCount).ToList();
        Assert.True(counts.Count >= 3, $"250 items in batches of at most 100 need at least 3 requests; got {counts.Count}.");
        Assert.All(counts, c => Assert.InRange(c, 1, 100));
        Assert.Equal(ids, DeliveryKit.Ids(api.Items(DeliveryKit.Events)).Order());
    }

    [Fact]
    public async Task A_request_body_stays_under_one_MiB()
    {
        using var api = new FakeApi();
        await using var client = api.Client(o => o.FlushInterval = TimeSpan.FromSeconds(10));

        // 12 events of ~300 KB: one batch by count (BatchSize 100), but ~3.6 MB of JSON.
        var text = new string('t', 300_000);
        var ids = Enumerable.Range(0, 12).Select(i => $"big-{i:00}").ToList();
        foreach (var id in ids)
        {
            client.TrackAi(DeliveryKit.Ai(id, text));
        }

        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);

        var bodies = api.Bodies(DeliveryKit.Events);
        Assert.True(bodies.Count >= 4, $"3.6 MB of events need at least 4 requests under 1 MiB; got {bodies.Count}.");
        Assert.All(bodies, b => Assert.True(b.Length <= 1024 * 1024, $"A body of {b.Length} bytes is over 1 MiB."));
        var items = api.Items(DeliveryKit.Events);
        Assert.Equal(ids, DeliveryKit.Ids(items).Order());
        Assert.All(items, i => Assert.Equal(text, (string?)i["ai_data"]?["input"]));
    }

    [Fact]
    public async Task A_partial_batch_is_sent_after_FlushInterval_without_FlushAsync()
    {
        using var api = new FakeApi();
        await using var client = api.Client(o =>
        {
            o.BatchSize = 100;
            o.FlushInterval = TimeSpan.FromMilliseconds(200);
        });

        client.TrackAi(DeliveryKit.Ai("ev-1"));
        client.TrackAi(DeliveryKit.Ai("ev-2"));
        client.TrackAi(DeliveryKit.Ai("ev-3"));

        Assert.True(await FakeApi.Eventually(() => api.Items(DeliveryKit.Events).Count >= 3, TimeSpan.FromSeconds(8)), "The partial batch was not sent.");
        var request = Assert.Single(api.Requests(DeliveryKit.Events));
        Assert.Equal(204, DeliveryKit.StatusOf(request));
        Assert.Equal(["ev-1", "ev-2", "ev-3"], DeliveryKit.Ids(api.Items(DeliveryKit.Events)).Order());
    }

    [Fact]
    public async Task Concurrent_producers_deliver_every_event_exactly_once()
    {
        const int Producers = 8;
        const int PerProducer = 5_000;

        // A raw socket server: WireMock parses and logs every body and would make this test take 5-10 s.
        using var server = new RawHttpServer();
        await using var client = new RaindropClient(DeliveryKit.Options(server.Endpoint));

        using var start = new ManualResetEventSlim();
        var producers = Enumerable.Range(0, Producers).Select(p => Task.Run(() =>
        {
            start.Wait();
            for (var i = 0; i < PerProducer; i++)
            {
                client.TrackAi(new AiEvent { UserId = $"user-{p}", Event = "chat", EventId = $"p{p}-{i}", Input = "q", Output = "a" });
            }
        })).ToArray();
        start.Set();
        await Task.WhenAll(producers).WaitAsync(DeliveryKit.Patience);
        await client.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var attempts = server.Attempts.ToList();
        Assert.All(attempts, a => Assert.True(a.Answered));
        var bodies = attempts.Select(a => JsonNode.Parse(a.Body)!.AsArray()).ToList();
        Assert.All(bodies, b => Assert.InRange(b.Count, 1, 100));
        var ids = bodies.SelectMany(b => b.Select(n => (string)n!["event_id"]!)).ToList();
        Assert.Equal(Producers * PerProducer, ids.Count);
        Assert.Equal(Producers * PerProducer, ids.Distinct().Count());
        var expected = Enumerable.Range(0, Producers).SelectMany(p => Enumerable.Range(0, PerProducer).Select(i => $"p{p}-{i}")).ToHashSet();
        Assert.True(expected.SetEquals(ids));
        var stats = client.Statistics;
        Assert.Equal(Producers * PerProducer, stats.Enqueued);
        Assert.Equal(Producers * PerProducer, stats.Sent);
        Assert.Equal(0, stats.Dropped);
        Assert.Equal(0, stats.Failed);
    }

    [Fact]
    public async Task Each_route_fills_its_own_batches()
    {
        using var api = new FakeApi();
        await using var client = api.Client(o =>
        {
            // Only a full batch is sent: a long interval and no FlushAsync.
            o.BatchSize = 3;
            o.FlushInterval = TimeSpan.FromSeconds(30);
        });

        for (var i = 0; i < 3; i++)
        {
            client.TrackAi(DeliveryKit.Ai($"ev-{i}"));
            client.TrackSignal(new Signal { EventId = $"ev-{i}", Name = "thumbs_up", Sentiment = Sentiment.Positive });
            client.Identify($"user-{i}", new Dictionary<string, object?> { ["plan"] = "pro" });
        }

        Assert.True(await FakeApi.Eventually(() =>
            api.Items(DeliveryKit.Events).Count == 3 && api.Items(DeliveryKit.Signals).Count == 3 && api.Items(DeliveryKit.Identify).Count == 3));

        // One full batch per route, holding only that route's items.
        var events = Assert.Single(api.Bodies(DeliveryKit.Events));
        var signals = Assert.Single(api.Bodies(DeliveryKit.Signals));
        var users = Assert.Single(api.Bodies(DeliveryKit.Identify));
        Assert.All(Parse(events), i => Assert.Equal("chat", (string?)i["event"]));
        Assert.All(Parse(signals), i => Assert.Equal("thumbs_up", (string?)i["signal_name"]));
        Assert.All(Parse(users), i => Assert.Equal("pro", (string?)i["traits"]?["plan"]));
        Assert.Equal(["user-0", "user-1", "user-2"], Parse(users).Select(i => (string)i["user_id"]!).Order());
    }

    [Fact]
    public async Task A_failing_route_does_not_hold_back_the_others()
    {
        using var api = new FakeApi();
        DeliveryKit.Script(api, DeliveryKit.Events, r => r.WithStatusCode(503));
        await using var client = api.Client(o => o.CloseTimeout = TimeSpan.FromSeconds(1));

        client.TrackAi(DeliveryKit.Ai("ev-1"));
        Assert.True(await FakeApi.Eventually(() => client.Statistics.Retried >= 1));
        client.TrackSignal(new Signal { EventId = "ev-1", Name = "thumbs_up" });
        client.Identify("user-1");

        Assert.True(await FakeApi.Eventually(() => api.Items(DeliveryKit.Signals).Count == 1 && api.Items(DeliveryKit.Identify).Count == 1));
        Assert.Empty(api.Items(DeliveryKit.Events));

        // The server logs a request before the client has read the answer: wait for the client's count.
        Assert.True(await FakeApi.Eventually(() => client.Statistics.Sent == 2), $"sent {client.Statistics.Sent}");
    }

    [Fact]
    public async Task Every_lone_event_is_sent_by_the_flush_interval_alone()
    {
        // Regression: the batch timer can fire a little before the interval has passed by the stopwatch; the worker
        // must re-arm it rather than wait for the next item (which here never comes).
        using var api = new FakeApi();
        await using var client = api.Client(o => o.FlushInterval = TimeSpan.FromMilliseconds(20));
        for (var i = 0; i < 25; i++)
        {
            client.TrackAi(DeliveryKit.Ai("lone-" + i));
            Assert.True(await FakeApi.Eventually(() => client.Statistics.Sent == i + 1, TimeSpan.FromSeconds(5)), $"event {i} was not sent by the interval");
        }
    }

    [Fact]
    public async Task A_batch_filled_one_event_at_a_time_is_sent_without_waiting_for_the_interval()
    {
        // The worker holds a partial batch without waking per event; producers wake it once the batch can be filled.
        using var api = new FakeApi();
        await using var client = api.Client(o =>
        {
            o.FlushInterval = TimeSpan.FromHours(1);
            o.BatchSize = 10;
        });
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 10; i++)
            {
                client.TrackAi(DeliveryKit.Ai($"fill-{round}-{i}"));
                await Task.Delay(5); // let the worker take a partial batch and wait
            }

            var expected = (round + 1) * 10;
            Assert.True(await FakeApi.Eventually(() => client.Statistics.Sent == expected, TimeSpan.FromSeconds(5)), $"round {round}: sent {client.Statistics.Sent}");
        }

        Assert.All(api.Bodies(DeliveryKit.Events), b => Assert.Equal(10, Parse(b).Count));
    }

    private static List<JsonObject> Parse(byte[] body) => JsonNode.Parse(body)!.AsArray().Select(n => n!.AsObject()).ToList();
}
