using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Raindrop.Sdk.Tests.TestSupport;
using Raindrop.Sdk.Tests.Tracing;

namespace Raindrop.Sdk.Tests.Hosting;

/// <summary>A real WebApplication with <c>AddRaindrop()</c>: what arrives at a loopback Raindrop API, start and stop.</summary>
[Collection(TracingTestGroup.Name)]
public class WebAppTests
{
    private static readonly HttpClient Http = new();

    private static Dictionary<string, string?> TwoLines(FakeApi api, string key = "web-key") => new()
    {
        ["Raindrop:WriteKey"] = key,
        ["Raindrop:Endpoint"] = api.Endpoint,
    };

    [Fact]
    public async Task A_web_app_with_AddRaindrop_and_two_config_lines_delivers_an_interaction_its_spans_and_a_signal()
    {
        using var api = new FakeApi();
        var builder = WebAppHarness.Builder(TwoLines(api));
        builder.Services.AddRaindrop();
        await using var app = builder.Build();
        app.MapPost("/chat", async (IRaindropClient raindrop) =>
        {
            await using var interaction = raindrop.Begin(new InteractionOptions { UserId = "user-1", Event = "chat_message", Input = "hello", ConvoId = "c-1" });
            var hits = await interaction.WithToolAsync("search_docs", () => Task.FromResult(3), new SpanOptions { Input = "hello" });
            await interaction.FinishAsync(output: $"found {hits}");
            return interaction.EventId;
        });
        app.MapPost("/feedback/{eventId}", (string eventId, IRaindropClient raindrop) =>
        {
            raindrop.TrackSignal(new Signal { EventId = eventId, Name = "thumbs_up", Type = SignalType.Feedback, Sentiment = Sentiment.Positive });
            return Results.NoContent();
        });

        await app.StartAsync();
        var eventId = await (await Http.PostAsync(WebAppHarness.Url(app) + "/chat", null)).EnsureSuccessStatusCode().Content.ReadAsStringAsync();
        (await Http.PostAsync(WebAppHarness.Url(app) + "/feedback/" + eventId, null)).EnsureSuccessStatusCode();
        await app.StopAsync();

        var final = Assert.Single(api.Items("events/track_partial"), i => (string?)i["event_id"] == eventId && (bool?)i["is_pending"] == false);
        Assert.Equal("found 3", (string?)final["ai_data"]?["output"]);
        var begun = api.Items("events/track_partial").Where(i => (string?)i["event_id"] == eventId).ToList();
        Assert.Contains(begun, i => (string?)i["ai_data"]?["input"] == "hello" && (string?)i["user_id"] == "user-1");
        var signal = Assert.Single(api.Items("signals/track"));
        Assert.Equal(eventId, (string?)signal["event_id"]);
        Assert.Equal("POSITIVE", (string?)signal["sentiment"]);
        Assert.All(api.Requests("events/track_partial"), r => Assert.Equal("Bearer web-key", r.RequestMessage.Headers!["Authorization"].First()));

        var spans = OtlpReader.ReadAll(api.Bodies("traces"));
        var tool = Assert.Single(spans, s => s.EventId == eventId && s.Name == "search_docs.tool");
        Assert.Equal("3", tool.Attr(Attr.Output));
        Assert.Contains(spans, s => s.EventId == eventId && s.Name == "chat_message.workflow");
    }

    // Fails today: Tracer.Ownership starts the <event>.workflow root under Activity.Current, and ASP.NET Core's
    // request Activity is not recorded (no app OpenTelemetry), so the parent-based sampler drops the whole trace.
    // WIRE.md §7 "The host's Activity never decides for Raindrop". Owned by the Tracer rewrite; unskip after it.
    [Fact]
    public async Task Spans_of_an_interaction_begun_inside_an_aspnetcore_request_are_exported()
    {
        using var api = new FakeApi();
        var builder = WebAppHarness.Builder(TwoLines(api));
        builder.Services.AddRaindrop();
        await using var app = builder.Build();
        app.MapPost("/chat", async (IRaindropClient raindrop) =>
        {
            await using var interaction = raindrop.Begin(new InteractionOptions { UserId = "user-1", Event = "chat_message", Input = "hello" });
            await interaction.WithToolAsync("search_docs", () => Task.FromResult(3));
            return interaction.EventId;
        });

        await app.StartAsync();
        var eventId = await (await Http.PostAsync(WebAppHarness.Url(app) + "/chat", null)).EnsureSuccessStatusCode().Content.ReadAsStringAsync();
        await app.StopAsync();

        Assert.Contains(OtlpReader.ReadAll(api.Bodies("traces")), s => s.EventId == eventId && s.Name == "search_docs.tool");
    }

    [Fact]
    public async Task Events_tracked_just_before_the_host_stops_arrive()
    {
        using var api = new FakeApi();
        var settings = TwoLines(api);
        settings["Raindrop:FlushInterval"] = "00:01:00"; // nothing is sent on a timer: only stopping sends
        var builder = WebAppHarness.Builder(settings);
        builder.Services.AddRaindrop();
        await using var app = builder.Build();
        await app.StartAsync();

        var raindrop = app.Services.GetRequiredService<IRaindropClient>();
        for (var i = 0; i < 30; i++)
        {
            raindrop.Track(new TrackEvent { UserId = "u", Event = "before_sigterm", Properties = new Dictionary<string, object?> { ["i"] = i } });
        }

        await app.StopAsync(); // the host's stop, not the container's dispose

        Assert.Equal(30, api.Items("events/track").Count(i => (string?)i["event"] == "before_sigterm"));
    }

    [Theory]
    [InlineData("Raindrop:ProjectId", "Not A Slug", "ProjectId")]
    [InlineData("Raindrop:BatchSize", "-5", "BatchSize")]
    [InlineData("Raindrop:Endpoint", "ftp://example.com", "Endpoint")]
    public async Task Bad_configuration_fails_host_start_with_a_message_naming_the_setting(string key, string value, string setting)
    {
        using var api = new FakeApi();
        var settings = TwoLines(api);
        settings[key] = value;
        var builder = WebAppHarness.Builder(settings);
        builder.Services.AddRaindrop();
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("RaindropOptions." + setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_keyed_second_client_sends_to_its_own_endpoint_with_its_own_key()
    {
        using var apiA = new FakeApi();
        using var apiB = new FakeApi();
        var settings = TwoLines(apiA, "key-a");
        settings["TenantB:WriteKey"] = "key-b";
        settings["TenantB:Endpoint"] = apiB.Endpoint;
        var builder = WebAppHarness.Builder(settings);
        builder.Services.AddRaindrop();
        builder.Services.AddKeyedRaindrop("tenant-b", builder.Configuration.GetSection("TenantB"));
        await using var app = builder.Build();
        app.MapPost("/b", ([Microsoft.Extensions.DependencyInjection.FromKeyedServices("tenant-b")] IRaindropClient b) =>
            b.Track(new TrackEvent { UserId = "u", Event = "from_b" }));
        await app.StartAsync();

        Assert.NotSame(app.Services.GetRequiredService<IRaindropClient>(), app.Services.GetRequiredKeyedService<IRaindropClient>("tenant-b"));
        Assert.Same(app.Services.GetRequiredKeyedService<RaindropClient>("tenant-b"), app.Services.GetRequiredKeyedService<IRaindropClient>("tenant-b"));
        app.Services.GetRequiredService<IRaindropClient>().Track(new TrackEvent { UserId = "u", Event = "from_a" });
        (await Http.PostAsync(WebAppHarness.Url(app) + "/b", null)).EnsureSuccessStatusCode();
        await app.StopAsync();

        Assert.Equal(["from_a"], apiA.Items("events/track").Select(i => (string?)i["event"]));
        Assert.Equal(["from_b"], apiB.Items("events/track").Select(i => (string?)i["event"]));
        Assert.Equal("Bearer key-a", Assert.Single(apiA.Requests("events/track")).RequestMessage.Headers!["Authorization"].First());
        Assert.Equal("Bearer key-b", Assert.Single(apiB.Requests("events/track")).RequestMessage.Headers!["Authorization"].First());
    }

    [Fact]
    public async Task A_handler_on_the_named_Raindrop_HttpClient_sees_event_requests()
    {
        using var api = new FakeApi();
        var seen = new ConcurrentQueue<string>();
        var builder = WebAppHarness.Builder(TwoLines(api));
        builder.Services.AddHttpClient(RaindropServiceCollectionExtensions.HttpClientName).AddHttpMessageHandler(() => new RecordingHandler(seen));
        builder.Services.AddRaindrop();
        await using var app = builder.Build();
        await app.StartAsync();

        var raindrop = app.Services.GetRequiredService<IRaindropClient>();
        raindrop.Track(new TrackEvent { UserId = "u", Event = "through_the_factory" });
        raindrop.Identify("u", new Dictionary<string, object?> { ["plan"] = "pro" });
        await app.StopAsync();

        Assert.Single(api.Items("events/track"));
        Assert.Contains("/v1/events/track", seen);
        Assert.Contains("/v1/users/identify", seen);
    }

    // Passes once trace export sends through RaindropOptions.HttpClient (being done on main, WIRE.md §7
    // "Export goes through the app's HTTP stack too"); until that merge the exporter builds its own HttpClient.
    [Fact]
    public async Task A_handler_on_the_named_Raindrop_HttpClient_sees_trace_requests()
    {
        using var api = new FakeApi();
        var seen = new ConcurrentQueue<string>();
        var builder = WebAppHarness.Builder(TwoLines(api));
        builder.Services.AddHttpClient(RaindropServiceCollectionExtensions.HttpClientName).AddHttpMessageHandler(() => new RecordingHandler(seen));
        builder.Services.AddRaindrop();
        await using var app = builder.Build();
        await app.StartAsync();

        var raindrop = app.Services.GetRequiredService<IRaindropClient>();
        await using (var interaction = raindrop.Begin(new InteractionOptions { UserId = "u", Event = "chat" }))
        {
            interaction.WithTool("lookup", () => 1);
        }

        await app.StopAsync();

        Assert.NotEmpty(api.Requests("traces"));
        Assert.Contains("/v1/traces", seen);
    }
}
