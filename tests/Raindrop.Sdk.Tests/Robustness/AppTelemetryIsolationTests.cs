using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Raindrop.Diagnostics;
using Raindrop.Sdk.Tests.TestSupport;
using Raindrop.Sdk.Tests.Tracing;

namespace Raindrop.Sdk.Tests.Robustness;

/// <summary>
/// WIRE.md §7: the SDK's own traffic stays out of the app's telemetry, goes through the app's HTTP stack (events and
/// trace exports alike), and a span of no client's interaction reaches at most one project.
/// </summary>
[Collection(TracingTestGroup.Name)]
public sealed class AppTelemetryIsolationTests
{
    private static readonly ActivitySource AppSource = new("Test.App");

    [Fact]
    public async Task The_sdks_posts_never_become_the_apps_HttpClient_spans_even_when_created_inside_a_request()
    {
        using var api = new FakeApi();
        var appSpans = new SpanList();
        using var appTracing = OpenTelemetry.Sdk.CreateTracerProviderBuilder()
            .AddSource("Test.App", "System.Net.Http") // what AddHttpClientInstrumentation listens to on .NET 9+
            .AddInMemoryExporter(appSpans)
            .Build();

        RaindropClient client;
        using (AppSource.StartActivity("GET /first-request"))
        {
            client = api.Client(); // created lazily by the first request that needed it: the common case
            var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "chat", Input = "hi" });
            await interaction.WithToolAsync("search", () => Task.FromResult(1));
            await interaction.FinishAsync(output: "done");
            client.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "i" });
            Assert.True(await client.FlushAsync());
        }

        // The app's own call on the same loopback server is captured: the instrumentation works in this test.
        using (var http = new HttpClient())
        {
            using var ok = await http.GetAsync(api.Server.Url + "/app-call");
        }

        await client.DisposeAsync();
        appTracing.ForceFlush();
        var httpSpans = appSpans.Snapshot().Where(a => a.Source.Name == "System.Net.Http").ToList();

        // .NET 8's HttpClient span has no url.full tag: there, its request is the one whose traceparent names the span.
        string UrlOf(Activity a) => a.GetTagItem("url.full") as string
            ?? api.Server.LogEntries.FirstOrDefault(e => e.RequestMessage.Headers is { } h && h.TryGetValue("traceparent", out var tp)
                && tp.Any(v => v.Contains(a.SpanId.ToHexString(), StringComparison.Ordinal)))?.RequestMessage.Url
            ?? string.Empty;
        Assert.Contains(httpSpans, a => UrlOf(a).EndsWith("/app-call", StringComparison.Ordinal));
        Assert.DoesNotContain(httpSpans, a => UrlOf(a).Contains("/v1/", StringComparison.Ordinal));
        Assert.NotEmpty(api.Requests("events/track"));
        Assert.NotEmpty(api.Requests("traces"));

        // No trace context of the app's request leaked into the SDK's requests either.
        Assert.All(api.Server.LogEntries.Where(e => e.RequestMessage.Path.Contains("/v1/", StringComparison.Ordinal)), e =>
            Assert.False(e.RequestMessage.Headers?.ContainsKey("traceparent") ?? false, $"{e.RequestMessage.Path} carried a traceparent"));
    }

    [Fact]
    public async Task The_apps_HttpClient_carries_trace_exports_as_well_as_events()
    {
        using var api = new FakeApi();
        var seen = new List<string>();
        using var app = new HttpClient(new Recording(seen, new SocketsHttpHandler()));
        await using var client = api.Client(o => o.HttpClient = app);
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "chat", Input = "hi" });
        await interaction.WithToolAsync("search", () => Task.FromResult(1));
        await interaction.FinishAsync(output: "done");

        var spans = await TracingHarness.ExportedAsync(api, client, s => s.Any(x => x.Name == "search.tool"));
        Assert.Contains(spans, x => x.Name == "search.tool");
        lock (seen)
        {
            Assert.Contains(seen, p => p.EndsWith("/v1/events/track_partial", StringComparison.Ordinal));
            Assert.Contains(seen, p => p.EndsWith("/v1/traces", StringComparison.Ordinal));
        }

        Assert.All(api.Requests("traces"), e => Assert.Equal("Bearer test-write-key", e.RequestMessage.Headers!["Authorization"].Single()));
    }

    [Fact]
    public async Task A_span_of_no_interaction_reaches_one_project_the_oldest_client_that_takes_them()
    {
        using var aiSource = new ActivitySource(Attr.AiSource);
        using var apiA = new FakeApi();
        using var apiB = new FakeApi();
        await using var a = apiA.Client();
        await using var b = apiB.Client(o => o.WriteKey = "key-b");
        var owner = LiveClients.UnownedSpanOwner;

        using (var chat = aiSource.StartActivity("chat gpt-4o"))
        {
            Assert.NotNull(chat);
            Assert.True(chat.Recorded, "not recorded");
        }

        Assert.True(await a.FlushAsync());
        Assert.True(await b.FlushAsync());
        int Reached(FakeApi api) => OtlpReader.ReadAll(api.Bodies("traces")).Count(s => s.Name == "chat gpt-4o");
        Assert.True(owner == a || owner == b, "the owner of unowned spans is one of this test's clients (no other live client is older)");
        var ownerApi = owner == a ? apiA : apiB;
        Assert.True(await FakeApi.Eventually(() => Reached(ownerApi) == 1), "the owner did not export the span");
        await Task.Delay(300); // the other one had the same chance
        var reachedA = Reached(apiA);
        var reachedB = Reached(apiB);
        Assert.Equal(owner == a ? 1 : 0, reachedA);
        Assert.Equal(owner == b ? 1 : 0, reachedB);
        Assert.True(reachedA + reachedB <= 1, "an unowned span reached both projects");
    }

    [Fact]
    public async Task CaptureUnownedSpans_false_chooses_the_other_client()
    {
        using var apiA = new FakeApi();
        using var apiB = new FakeApi();
        await using var a = apiA.Client(o => o.CaptureUnownedSpans = false);
        await using var b = apiB.Client();

        Assert.NotSame(a, LiveClients.UnownedSpanOwner);
        await a.DisposeAsync();
        Assert.NotSame(a, LiveClients.UnownedSpanOwner);
        if (LiveClients.UnownedSpanOwner is null)
        {
            Assert.Fail("a live client that takes unowned spans exists (b)");
        }
    }

    [Fact]
    public async Task Many_live_clients_log_one_warning_to_create_one_per_write_key()
    {
        using var api = new FakeApi();
        using var logs = new FakeLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(x => x.AddProvider(logs));
        var clients = new List<RaindropClient>();
        for (var i = 0; i < LiveClients.WarnAbove + 2; i++)
        {
            clients.Add(api.Client(o => o.LoggerFactory = loggerFactory));
        }

        foreach (var c in clients)
        {
            await c.DisposeAsync();
        }

        var warnings = logs.Collector.GetSnapshot().Where(r => r.Message.Contains("one client per write key", StringComparison.Ordinal)).ToList();
        Assert.Single(warnings);
    }

    [Fact]
    public async Task Spans_made_while_the_client_is_still_starting_are_exported_exactly_once()
    {
        using var aiSource = new ActivitySource(Attr.AiSource);
        for (var round = 0; round < 5; round++)
        {
            using var api = new FakeApi();
            await using var client = api.Client(); // its provider is still being built in the background
            var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "chat", Input = "hi" });
            await interaction.WithToolAsync("early", async () =>
            {
                using (aiSource.StartActivity("chat early-model"))
                {
                    await Task.Yield();
                }

                return 1;
            });
            await interaction.FinishAsync(output: "done");

            var spans = await TracingHarness.ExportedAsync(api, client, s => s.Any(x => x.Name == "chat.workflow"));
            Assert.Single(spans, x => x.Name == "early.tool" && x.EventId == interaction.EventId);
            Assert.Single(spans, x => x.Name == "chat early-model" && x.EventId == interaction.EventId);
            Assert.Single(spans, x => x.Name == "chat.workflow");
        }
    }

    private sealed class Recording(List<string> seen, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (seen)
            {
                seen.Add(request.RequestUri!.AbsolutePath);
            }

            return base.SendAsync(request, cancellationToken);
        }

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (seen)
            {
                seen.Add(request.RequestUri!.AbsolutePath);
            }

            return base.Send(request, cancellationToken);
        }
    }
}
