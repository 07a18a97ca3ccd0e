using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Robustness;

/// <summary>
/// WIRE.md §5: <c>FlushAsync</c> returns by <c>FlushTimeout</c> and says whether everything was delivered; its
/// deadline drops nothing (what is retrying stays queued and is delivered once the server recovers).
/// </summary>
public sealed class BoundedFlushTests
{
    [Fact]
    public async Task Against_a_healthy_server_FlushAsync_returns_true_once_delivered()
    {
        using var api = new FakeApi();
        await using var client = api.Client(o => o.FlushInterval = TimeSpan.FromMinutes(1));
        client.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "i" });
        client.Identify("u", new Dictionary<string, object?> { ["plan"] = "paid" });

        Assert.True(await client.FlushAsync());
        Assert.Single(api.Items("events/track"));
        Assert.Single(api.Items("users/identify"));
    }

    [Fact]
    public async Task Against_a_failing_server_FlushAsync_returns_false_at_its_deadline_and_drops_nothing()
    {
        using var api = new FakeApi();
        api.Script("events/track", r => r.WithStatusCode(503));
        await using var client = api.Client(o =>
        {
            o.FlushTimeout = TimeSpan.FromMilliseconds(300);
            o.MaxRetryDuration = TimeSpan.FromMinutes(5);
        });
        client.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "i", EventId = "kept" });

        var flush = client.FlushAsync();
        var finished = await Task.WhenAny(flush, Task.Delay(TimeSpan.FromSeconds(20)));
        Assert.Same(flush, finished); // today's main waits for MaxRetryDuration (5 min)
        Assert.False(await flush);
        Assert.True(api.Requests("events/track").Count >= 1);

        // The server recovers: the item, still retrying in the background, arrives once; nothing was dropped.
        api.Server.ResetMappings();
        api.Server.Given(WireMock.RequestBuilders.Request.Create().UsingAnyMethod()).RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(204));
        Assert.True(await FakeApi.Eventually(() => api.Items("events/track").Any(i => (string?)i["event_id"] == "kept"), TimeSpan.FromSeconds(15)));
        Assert.True(await client.FlushAsync());
        Assert.Equal(0, client.Statistics.Dropped);
        Assert.Equal(0, client.Statistics.Failed);
    }

    [Fact]
    public async Task Against_a_hung_server_FlushAsync_returns_false_and_close_still_keeps_its_own_deadline()
    {
        using var api = new FakeApi();
        api.Script("events/track", r => r.WithDelay(TimeSpan.FromSeconds(30)).WithStatusCode(204));
        var client = api.Client(o =>
        {
            o.FlushTimeout = TimeSpan.FromMilliseconds(200);
            o.CloseTimeout = TimeSpan.FromSeconds(1);
        });
        client.Track(new TrackEvent { UserId = "u", Event = "e" });

        Assert.False(await client.FlushAsync().WaitAsync(TimeSpan.FromSeconds(20)));
        await client.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(1, client.Statistics.Dropped);
    }

    [Fact]
    public async Task A_zero_FlushTimeout_returns_at_once_and_the_item_is_still_delivered()
    {
        using var api = new FakeApi();
        api.Script("events/track", r => r.WithDelay(TimeSpan.FromMilliseconds(500)).WithStatusCode(204));
        await using var client = api.Client(o => o.FlushTimeout = TimeSpan.Zero);
        client.Track(new TrackEvent { UserId = "u", Event = "e", EventId = "late" });

        Assert.False(await client.FlushAsync());
        Assert.True(await FakeApi.Eventually(() => api.Items("events/track").Count == 1));
    }

    [Fact]
    public async Task The_callers_token_still_cancels_the_wait_with_OperationCanceledException()
    {
        using var api = new FakeApi();
        api.Script("events/track", r => r.WithStatusCode(503));
        await using var client = api.Client(o => o.FlushTimeout = TimeSpan.FromMinutes(1));
        client.Track(new TrackEvent { UserId = "u", Event = "e" });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.FlushAsync(cts.Token));
    }

    [Fact]
    public async Task A_disabled_or_closed_client_flushes_to_true_at_once()
    {
        await using var disabled = new RaindropClient(new RaindropOptions { WriteKey = null });
        Assert.True(await disabled.FlushAsync());

        using var api = new FakeApi();
        var closed = api.Client();
        await closed.DisposeAsync();
        Assert.True(await closed.FlushAsync());
    }

    [Fact]
    public void A_negative_FlushTimeout_is_rejected_naming_the_setting()
    {
        var ex = Assert.Throws<ArgumentException>(() => new RaindropClient(new RaindropOptions { WriteKey = "k", FlushTimeout = TimeSpan.FromSeconds(-1) }));
        Assert.Contains("FlushTimeout", ex.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(10), new RaindropOptions().FlushTimeout);
    }
}
