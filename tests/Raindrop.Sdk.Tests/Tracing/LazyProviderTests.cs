using Raindrop.Sdk.Tests.TestSupport;
using Raindrop.Tracing;

namespace Raindrop.Sdk.Tests.Tracing;

/// <summary>
/// The client's own OpenTelemetry provider is built in the background on the first span, never at construction: a
/// client that never makes a span never builds it, and spans that end before it is built are exported once.
/// </summary>
[Collection(TracingTestGroup.Name)]
public class LazyProviderTests
{
    [Fact]
    public async Task A_client_that_never_makes_a_span_never_builds_its_provider()
    {
        using var api = new FakeApi();
        var client = TracingHarness.OwnedClient(api);
        var eventId = Attr.NewId();
        client.TrackAi(new AiEvent { UserId = "u", Event = "chat", EventId = Attr.NewId(), Input = "hi", Output = "hello" });
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "chat", EventId = eventId });
        interaction.SetProperty("k", "v");
        await interaction.FinishAsync(output: "done");
        Assert.True(await client.FlushAsync());

        // Events went out; nothing of OpenTelemetry was started for them.
        Assert.Contains(api.Items("events/track_partial"), i => (string?)i["event_id"] == eventId);
        Assert.False(client.SpanExport.ProviderStarted, "a client that made no span started its TracerProvider");

        await client.DisposeAsync();
        Assert.False(client.SpanExport.ProviderStarted, "closing a client that made no span started its TracerProvider");
        Assert.Empty(api.Requests("traces"));
    }

    [Fact]
    public async Task A_span_that_ends_before_the_provider_is_built_is_exported_exactly_once()
    {
        using var api = new FakeApi();
        await using var client = TracingHarness.OwnedClient(api);
        using var gate = new ManualResetEventSlim(false);
        var owned = Assert.IsType<OwnedProvider>(client.SpanExport.Owned);
        owned.BuildGate = gate;
        Assert.False(client.SpanExport.ProviderStarted);

        // Right after construction: the tool span and the interaction's root end while the provider is still being built.
        var eventId = Attr.NewId();
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "early_chat", EventId = eventId });
        Assert.Equal(1, await interaction.WithToolAsync("early_tool", () => Task.FromResult(1)));
        await interaction.FinishAsync(output: "done");
        Assert.True(client.SpanExport.ProviderStarted, "the first span did not start the provider's build");
        Assert.False(owned.Built, "the provider was built before its gate opened: this test no longer covers the early spans");

        gate.Set();
        await TracingHarness.ExportedAsync(api, client, s => s.Any(x => x.EventId == eventId && x.Name == "early_tool.tool") && s.Any(x => x.EventId == eventId && x.Name == "early_chat.workflow"));
        Assert.True(owned.Built);

        // A second flush exports nothing again: each early span reached /v1/traces once.
        Assert.True(await client.FlushAsync());
        var spans = OtlpReader.ReadAll(api.Bodies("traces"));
        Assert.Single(spans, x => x.EventId == eventId && x.Name == "early_tool.tool");
        Assert.Single(spans, x => x.EventId == eventId && x.Name == "early_chat.workflow");
    }

    [Fact]
    public async Task Flush_and_close_without_any_span_do_not_start_the_provider_nor_does_a_span_after_close()
    {
        using var api = new FakeApi();
        var client = TracingHarness.OwnedClient(api);

        Assert.True(await client.FlushAsync().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(client.SpanExport.ProviderStarted, "FlushAsync started the TracerProvider of a client with no span");
        await client.SpanExport.FlushAsync(TimeSpan.FromSeconds(1)).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(client.SpanExport.ProviderStarted, "the span export's flush started the TracerProvider");

        await client.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(client.SpanExport.ProviderStarted, "closing started the TracerProvider of a client with no span");

        // A span after close (from anyone) builds nothing for a closed client; its early listener is gone.
        using (RaindropActivitySource.Source.StartActivity("after_close"))
        {
        }

        Assert.False(client.SpanExport.ProviderStarted, "a span after close started the closed client's TracerProvider");
        await client.SpanExport.FlushAsync(TimeSpan.FromSeconds(1)).WaitAsync(TimeSpan.FromSeconds(5));
        await client.SpanExport.ShutdownAsync(TimeSpan.FromSeconds(1)).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Empty(api.Requests("traces"));
    }
}
