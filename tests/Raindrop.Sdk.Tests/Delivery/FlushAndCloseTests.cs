using System.Collections.Concurrent;
using System.Diagnostics;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Delivery;

/// <summary>WIRE.md §5 FlushAsync and DisposeAsync: drain targets, cancellation, the close deadline, after-close calls.</summary>
public class FlushAndCloseTests
{
    private const string Route = DeliveryKit.Events;

    [Fact]
    public async Task FlushAsync_delivers_what_was_queued_and_a_second_flush_sends_nothing_again()
    {
        using var api = new FakeApi();
        await using var client = api.Client(o => o.FlushInterval = TimeSpan.FromSeconds(30));

        for (var i = 0; i < 5; i++)
        {
            client.TrackAi(DeliveryKit.Ai($"a-{i}"));
        }

        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);
        Assert.Equal(5, api.Items(Route).Count);
        var requestsAfterFirst = api.Requests(Route).Count;

        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);
        Assert.Equal(5, api.Items(Route).Count);
        Assert.Equal(requestsAfterFirst, api.Requests(Route).Count);

        for (var i = 0; i < 3; i++)
        {
            client.TrackAi(DeliveryKit.Ai($"b-{i}"));
        }

        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);
        var ids = DeliveryKit.Ids(api.Items(Route));
        Assert.Equal(8, ids.Count);
        Assert.Equal(8, ids.Distinct().Count());
        Assert.Equal(8, client.Statistics.Sent);
    }

    [Fact]
    public async Task FlushAsync_with_a_cancelled_token_throws_and_loses_nothing()
    {
        using var api = new FakeApi();
        await using var client = api.Client(o => o.FlushInterval = TimeSpan.FromSeconds(30));
        client.TrackAi(DeliveryKit.Ai("ev-1"));

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.FlushAsync(cancelled.Token).WaitAsync(DeliveryKit.Patience));

        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);
        Assert.Equal(["ev-1"], DeliveryKit.Ids(api.Items(Route)));
    }

    [Fact]
    public async Task FlushAsync_stops_waiting_when_its_token_fires_and_a_later_flush_delivers_everything()
    {
        using var api = new FakeApi();
        var gate = ServerGate.Hold(api, Route);
        await using var client = api.Client(o => o.CloseTimeout = TimeSpan.FromSeconds(1));
        client.TrackAi(DeliveryKit.Ai("ev-1"));
        client.TrackAi(DeliveryKit.Ai("ev-2"));
        client.TrackAi(DeliveryKit.Ai("ev-3"));

        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        // Bounded generously: a flush that ignores the token would wait for the server, which answers nothing.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.FlushAsync(cts.Token).WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Empty(api.Requests(Route));

        gate.Open();
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);
        Assert.Equal(["ev-1", "ev-2", "ev-3"], DeliveryKit.Ids(api.Items(Route)).Order());
        Assert.Equal(0, client.Statistics.Dropped);
    }

    [Fact]
    public async Task DisposeAsync_returns_by_the_close_deadline_when_the_server_never_answers()
    {
        using var api = new FakeApi();

        // The server holds every request (like WithDelay(60 s), but released at the end so the server stops at once).
        var gate = ServerGate.Hold(api, Route);
        try
        {
            var closeTimeout = TimeSpan.FromSeconds(1);
            var client = api.Client(o => o.CloseTimeout = closeTimeout);
            for (var i = 0; i < 5; i++)
            {
                client.TrackAi(DeliveryKit.Ai($"ev-{i}"));
            }

            var clock = Stopwatch.StartNew();
            await client.DisposeAsync().AsTask().WaitAsync(DeliveryKit.Patience);
            clock.Stop();

            Assert.True(clock.Elapsed < closeTimeout + TimeSpan.FromSeconds(2), $"DisposeAsync took {clock.Elapsed.TotalMilliseconds:F0} ms with CloseTimeout = 1 s.");
            Assert.Equal(0, client.Statistics.Sent);
            Assert.Empty(api.Items(Route));

            // Nothing vanishes: each item is eventually counted as not delivered. (That they are counted as Dropped,
            // by the time DisposeAsync returns, is the next test.)
            Assert.True(
                await FakeApi.Eventually(() => client.Statistics.Dropped + client.Statistics.Failed == 5, TimeSpan.FromSeconds(3)),
                $"Undelivered items not counted: {client.Statistics}.");
        }
        finally
        {
            gate.Open();
        }
    }

    [Fact]
    public async Task DisposeAsync_has_counted_what_it_could_not_send_as_dropped_when_it_returns()
    {
        using var api = new FakeApi();
        var gate = ServerGate.Hold(api, Route);
        try
        {
            var failures = new ConcurrentQueue<DeliveryFailedEventArgs>();

            // A handler that takes 500 ms to give up once cancelled (a proxy, a logging handler, a loaded machine):
            // the send outlives the close deadline, which must not matter for what DisposeAsync reports.
            using var handler = new SlowToCancelHandler(TimeSpan.FromMilliseconds(500));
            var client = api.Client(o =>
            {
                o.CloseTimeout = TimeSpan.FromSeconds(1);
                o.HttpMessageHandler = handler;
            });
            client.DeliveryFailed += (_, e) => failures.Enqueue(e);
            for (var i = 0; i < 5; i++)
            {
                client.TrackAi(DeliveryKit.Ai($"ev-{i}"));
            }

            Assert.True(await FakeApi.Eventually(() => gate.Arrived == 1), "The batch never reached the server.");
            await client.DisposeAsync().AsTask().WaitAsync(DeliveryKit.Patience);
            var atReturn = client.Statistics;

            Assert.Equal(new RaindropStatistics(Enqueued: 5, Sent: 0, Retried: 0, Dropped: 5, Failed: 0), atReturn);
            Assert.Equal(5, failures.Where(f => f.Reason == DeliveryFailureReason.CloseDeadline).Sum(f => f.ItemCount));

            // And it stays that way: a send unwinding after close is not reported again, or as anything else.
            Assert.False(
                await FakeApi.Eventually(() => client.Statistics != atReturn, TimeSpan.FromSeconds(1.5)),
                $"Counters changed after DisposeAsync returned: {atReturn} became {client.Statistics}.");
            Assert.All(failures, f => Assert.Equal(DeliveryFailureReason.CloseDeadline, f.Reason));
        }
        finally
        {
            gate.Open();
        }
    }

    [Fact]
    public async Task DisposeAsync_delivers_what_is_queued_without_a_flush()
    {
        using var api = new FakeApi();
        var client = api.Client(o => o.FlushInterval = TimeSpan.FromSeconds(30));
        for (var i = 0; i < 7; i++)
        {
            client.TrackAi(DeliveryKit.Ai($"ev-{i}"));
        }

        client.TrackSignal(new Signal { EventId = "ev-0", Name = "thumbs_up" });
        client.Identify("user-1", new Dictionary<string, object?> { ["plan"] = "pro" });

        await client.DisposeAsync().AsTask().WaitAsync(DeliveryKit.Patience);

        Assert.Equal(7, api.Items(Route).Count);
        Assert.Single(api.Items(DeliveryKit.Signals));
        Assert.Single(api.Items(DeliveryKit.Identify));
        Assert.Equal(9, client.Statistics.Sent);
        Assert.Equal(0, client.Statistics.Dropped);
    }

    [Fact]
    public async Task Calls_after_DisposeAsync_are_ignored_without_throwing()
    {
        using var api = new FakeApi();
        var client = api.Client();
        client.TrackAi(DeliveryKit.Ai("before"));
        await client.DisposeAsync().AsTask().WaitAsync(DeliveryKit.Patience);
        var requests = api.Server.LogEntries.Count;
        var enqueued = client.Statistics.Enqueued;

        var id = client.TrackAi(DeliveryKit.Ai("after"));
        client.Track(new TrackEvent { UserId = "user-1", Event = "clicked" });
        client.TrackSignal(new Signal { EventId = "before", Name = "thumbs_up" });
        client.Identify("user-1");
        var interaction = client.Begin(new InteractionOptions { UserId = "user-1", Event = "chat", Input = "hi" });
        interaction.SetProperty("k", "v");
        await interaction.FinishAsync("bye");
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);
        await client.DisposeAsync().AsTask().WaitAsync(DeliveryKit.Patience);

        Assert.Equal("after", id);
        Assert.Equal(enqueued, client.Statistics.Enqueued);
        Assert.Equal(requests, api.Server.LogEntries.Count);
        Assert.Equal(["before"], DeliveryKit.Ids(api.Items(Route)));
    }

    [Fact]
    public async Task DisposeAsync_twice_is_harmless()
    {
        using var api = new FakeApi();
        var client = api.Client();
        client.TrackAi(DeliveryKit.Ai("ev-1"));

        await client.DisposeAsync().AsTask().WaitAsync(DeliveryKit.Patience);
        await client.DisposeAsync().AsTask().WaitAsync(DeliveryKit.Patience);

        Assert.Equal(["ev-1"], DeliveryKit.Ids(api.Items(Route)));
    }

    [Theory]
    [InlineData(true, "test-write-key")]
    [InlineData(false, null)]
    public async Task FlushAsync_on_a_client_that_sends_nothing_completes(bool disabled, string? writeKey)
    {
        using var api = new FakeApi();
        await using var client = api.Client(o =>
        {
            o.Disabled = disabled;
            o.WriteKey = writeKey;
        });

        Assert.False(client.IsEnabled);
        Assert.Equal("ev-1", client.TrackAi(DeliveryKit.Ai("ev-1")));
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);
        await client.DisposeAsync().AsTask().WaitAsync(DeliveryKit.Patience);

        Assert.Empty(api.Server.LogEntries);
        Assert.Equal(0, client.Statistics.Enqueued);
    }
}

/// <summary>Sends through a real socket handler, but once a send is cancelled takes a while to report it.</summary>
internal sealed class SlowToCancelHandler(TimeSpan unwind) : DelegatingHandler(new SocketsHttpHandler())
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await base.SendAsync(request, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await Task.Delay(unwind, CancellationToken.None);
            throw;
        }
    }
}

public class ProcessExitTests
{
    [Fact]
    public async Task At_process_exit_an_undisposed_client_sends_what_it_queued_and_its_open_interactions()
    {
        using var api = new Raindrop.Sdk.Tests.TestSupport.FakeApi();
        var client = api.Client(o => o.FlushInterval = TimeSpan.FromHours(1));
        client.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "x", EventId = "exit-1" });
        client.Begin(new InteractionOptions { UserId = "u", Event = "e", EventId = "exit-int", Input = "q" });

        // What AppDomain.ProcessExit runs (the handler is subscribed in the constructor).
        client.OnProcessExit(null, EventArgs.Empty);

        Assert.Single(api.Items("events/track"), e => (string?)e["event_id"] == "exit-1");
        var partial = Assert.Single(api.Items("events/track_partial"));
        Assert.Equal("exit-int", (string?)partial["event_id"]);
        Assert.True((bool)partial["is_pending"]!);
        Assert.Equal(2, client.Statistics.Sent); // the event and the interaction's pending update

        // The client is closed: later calls are ignored, disposing again is harmless.
        client.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "late" });
        await client.DisposeAsync();
        Assert.Single(api.Items("events/track"));
    }
}
