using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using OpenTelemetry.Trace;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Tracing;

/// <summary>What reaches <c>/v1/traces</c>: the owned provider, the app's provider, client isolation, a dead endpoint.</summary>
[Collection(TracingTestGroup.Name)]
public class ExportTests
{
    private static string Header(WireMock.Logging.ILogEntry entry, string name) =>
        entry.RequestMessage.Headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault() ?? string.Empty;

    [Fact]
    public async Task The_owned_provider_posts_otlp_protobuf_to_v1_traces_with_auth_and_project_headers()
    {
        using var api = new FakeApi();
        await using var client = TracingHarness.OwnedClient(api, o => o.ProjectId = "my-project");
        var eventId = Attr.NewId();
        var interaction = client.Begin(new InteractionOptions { UserId = "user-1", Event = "chat", EventId = eventId, ConvoId = "c-1" });

        Assert.Equal("r", await interaction.WithToolAsync("web_search", () => Task.FromResult("r"), new SpanOptions { Input = new Dictionary<string, object?> { ["q"] = "x" } }));
        await interaction.FinishAsync(output: "done");

        var spans = await TracingHarness.ExportedAsync(api, client, s => s.Any(x => x.EventId == eventId && x.Name == "chat.workflow") && s.Any(x => x.EventId == eventId && x.Name == "web_search.tool"));

        var requests = api.Requests("traces");
        Assert.NotEmpty(requests);
        foreach (var entry in requests)
        {
            Assert.Equal("POST", entry.RequestMessage.Method);
            Assert.Equal("/v1/traces", entry.RequestMessage.Path);
            Assert.Equal("Bearer test-write-key", Header(entry, "Authorization"));
            Assert.StartsWith("application/x-protobuf", Header(entry, "Content-Type"), StringComparison.OrdinalIgnoreCase);
            Assert.Equal("my-project", Header(entry, "X-Raindrop-Project-Id"));
            Assert.StartsWith("raindrop-dotnet/", Header(entry, "User-Agent"), StringComparison.Ordinal);
        }

        var tool = Assert.Single(spans, s => s.EventId == eventId && s.Name == "web_search.tool");
        var root = Assert.Single(spans, s => s.EventId == eventId && s.Name == "chat.workflow");
        Assert.Equal("Raindrop.Sdk", tool.Scope);
        Assert.Equal("tool", tool.Attr(Attr.Kind));
        Assert.Equal("web_search", tool.Attr(Attr.EntityName));
        Assert.Equal("user-1", tool.Attr(Attr.UserId));
        Assert.Equal("c-1", tool.Attr(Attr.ConvoId));
        Assert.Equal("chat", tool.Attr(Attr.EventName));
        Assert.Equal("""{"q":"x"}""", tool.Attr(Attr.Input));
        Assert.Equal("r", tool.Attr(Attr.Output));
        Assert.Equal(root.TraceId, tool.TraceId);
        Assert.Equal(root.SpanId, tool.ParentSpanId);
        Assert.Matches("^[0-9a-f]{32}$", tool.TraceId);

        // The event's trace_id names the same trace as the exported spans.
        Assert.True(await FakeApi.Eventually(() => api.Items("events/track_partial").Any(i => (string?)i["event_id"] == eventId && i["properties"]?["trace_id"] is not null)));
        var traceId = api.Items("events/track_partial").Where(i => (string?)i["event_id"] == eventId).Select(i => (string?)i["properties"]?["trace_id"]).Last(v => v is not null);
        Assert.Equal(tool.TraceId, traceId);
    }

    [Fact]
    public async Task Without_a_project_id_no_project_header_is_sent()
    {
        using var api = new FakeApi();
        await using var client = TracingHarness.OwnedClient(api);
        var eventId = Attr.NewId();
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "chat", EventId = eventId });
        await interaction.WithToolAsync("t", () => Task.FromResult(1));
        await interaction.FinishAsync();

        await TracingHarness.ExportedAsync(api, client, s => s.Any(x => x.EventId == eventId && x.Name == "t.tool"));
        Assert.All(api.Requests("traces"), e => Assert.Equal(string.Empty, Header(e, "X-Raindrop-Project-Id")));
    }

    [Fact]
    public async Task An_error_span_reaches_the_server_with_error_status_and_exception_event()
    {
        using var api = new FakeApi();
        await using var client = TracingHarness.OwnedClient(api);
        var eventId = Attr.NewId();
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "chat", EventId = eventId });
        await Assert.ThrowsAsync<InvalidOperationException>(() => interaction.WithToolAsync<int>("broken", () => throw new InvalidOperationException("nope")));
        await interaction.FinishAsync();

        var spans = await TracingHarness.ExportedAsync(api, client, s => s.Any(x => x.EventId == eventId && x.Name == "broken.tool"));
        var span = spans.Single(x => x.EventId == eventId && x.Name == "broken.tool");
        Assert.Equal(2, span.StatusCode); // STATUS_CODE_ERROR
        Assert.Equal("nope", span.StatusMessage);
        Assert.Contains("exception", span.Events);
    }

    [Fact]
    public async Task External_provider_feeds_both_the_apps_exporter_and_Raindrop_but_not_the_apps_own_spans()
    {
        var appSource = "App.Http." + Attr.NewId();
        using var app = new ActivitySource(appSource);
        await using var t = TracingHarness.Create(extraSources: appSource);
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);

        using (var request = app.StartActivity("GET /unrelated"))
        {
            Assert.NotNull(request);
        }

        await interaction.WithToolAsync("calc", () => Task.FromResult(4));
        using (app.StartActivity("GET /after"))
        {
        }

        await interaction.FinishAsync();

        // The app's exporter sees every span.
        Assert.Single(t.SpansOf(eventId), s => s.DisplayName == "calc.tool");
        Assert.Single(t.Spans.Snapshot(), s => s.Source.Name == appSource && s.DisplayName == "GET /unrelated");
        Assert.Single(t.Spans.Snapshot(), s => s.Source.Name == appSource && s.DisplayName == "GET /after");

        // Raindrop gets the interaction's spans only.
        var exported = await t.ExportedAsync(s => s.Any(x => x.EventId == eventId && x.Name == "calc.tool") && s.Any(x => x.EventId == eventId && x.Name == "chat.workflow"));
        Assert.DoesNotContain(exported, s => s.Scope == appSource);
        Assert.DoesNotContain(exported, s => s.Name.StartsWith("GET /", StringComparison.Ordinal));
        Assert.All(t.Api.Requests("traces"), e => Assert.Equal("Bearer test-write-key", Header(e, "Authorization")));
    }

    [Fact]
    public async Task An_app_span_started_inside_a_tool_span_stays_out_of_Raindrop()
    {
        // It is in the interaction's trace but carries no association properties: the app's HTTP and database
        // spans go to the app's exporters only, unless ExportAllSpans asks for them.
        var appSource = "App.Db." + Attr.NewId();
        using var app = new ActivitySource(appSource);
        await using var t = TracingHarness.Create(extraSources: appSource);
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);

        await interaction.WithToolAsync("lookup", () =>
        {
            using (app.StartActivity("SELECT orders"))
            {
            }

            return Task.FromResult(1);
        });
        await interaction.FinishAsync();

        Assert.Single(t.Spans.Snapshot(), s => s.Source.Name == appSource && s.DisplayName == "SELECT orders");
        var exported = await t.ExportedAsync(s => s.Any(x => x.EventId == eventId && x.Name == "lookup.tool") && s.Any(x => x.EventId == eventId && x.Name == "chat.workflow"));
        Assert.DoesNotContain(exported, s => s.Scope == appSource);
    }

    [Fact]
    public async Task With_ExportAllSpans_the_apps_own_spans_reach_Raindrop_too()
    {
        var appSource = "App.Http." + Attr.NewId();
        using var app = new ActivitySource(appSource);
        await using var t = TracingHarness.Create(o => o.ExportAllSpans = true, appSource);
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);

        using (app.StartActivity("GET /unrelated"))
        {
        }

        await interaction.WithToolAsync("calc", () => Task.FromResult(4));
        await interaction.FinishAsync();

        var exported = await t.ExportedAsync(s => s.Any(x => x.Scope == appSource && x.Name == "GET /unrelated") && s.Any(x => x.EventId == eventId && x.Name == "calc.tool"));
        Assert.Single(exported, s => s.Scope == appSource && s.Name == "GET /unrelated");
        Assert.Single(exported, s => s.EventId == eventId && s.Name == "calc.tool");
    }

    [Fact]
    public async Task CreateSpanProcessor_added_by_hand_exports_the_clients_spans()
    {
        using var api = new FakeApi();
        await using var client = api.Client(o => o.UseExternalOpenTelemetry = true);
        using var provider = OpenTelemetry.Sdk.CreateTracerProviderBuilder().AddSource("Raindrop.Sdk").AddProcessor(client.CreateSpanProcessor()).Build();
        var eventId = Attr.NewId();
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "chat", EventId = eventId });
        await interaction.WithToolAsync("manual_proc", () => Task.FromResult(1));
        await interaction.FinishAsync();

        var spans = await TracingHarness.ExportedAsync(api, client, s => s.Any(x => x.EventId == eventId && x.Name == "manual_proc.tool"));
        Assert.Single(spans, x => x.EventId == eventId && x.Name == "manual_proc.tool");
    }

    [Fact]
    public async Task Closing_the_client_ends_an_unfinished_interactions_root_and_exports_its_spans()
    {
        using var api = new FakeApi();
        var client = TracingHarness.OwnedClient(api);
        var eventId = Attr.NewId();
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "open_chat", EventId = eventId });
        await interaction.WithToolAsync("pending_tool", () => Task.FromResult(1));

        await client.DisposeAsync();

        var spans = OtlpReader.ReadAll(api.Bodies("traces"));
        var root = Assert.Single(spans, s => s.EventId == eventId && s.Name == "open_chat.workflow");
        var tool = Assert.Single(spans, s => s.EventId == eventId && s.Name == "pending_tool.tool");
        Assert.Equal(root.SpanId, tool.ParentSpanId);
        var traceIds = api.Items("events/track_partial").Where(i => (string?)i["event_id"] == eventId).Select(i => (string?)i["properties"]?["trace_id"]).Where(v => v is not null).ToList();
        Assert.Equal(root.TraceId, Assert.Single(traceIds.Distinct()));
    }

    [Fact]
    public async Task A_new_clients_first_spans_are_exported_when_another_provider_already_listens()
    {
        // Another client's (or the app's) provider already listens to Raindrop.Sdk, as in any process with two clients.
        await using var other = TracingHarness.Create();
        using var api = new FakeApi();
        await using var client = api.Client();
        var eventId = Attr.NewId();
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "chat", EventId = eventId });

        await interaction.WithToolAsync("first", () => Task.FromResult(1));
        await interaction.FinishAsync();

        var spans = await TracingHarness.ExportedAsync(api, client, s => s.Any(x => x.EventId == eventId && x.Name == "first.tool"));
        Assert.Single(spans, x => x.EventId == eventId && x.Name == "first.tool");
    }

    [Fact]
    public async Task Two_clients_each_export_only_their_own_spans_to_their_own_server()
    {
        using var apiA = new FakeApi();
        using var apiB = new FakeApi();
        await using var clientA = TracingHarness.OwnedClient(apiA);
        await using var clientB = TracingHarness.OwnedClient(apiB, o => o.WriteKey = "key-b");
        var idA = Attr.NewId();
        var idB = Attr.NewId();

        var a = clientA.Begin(new InteractionOptions { UserId = "ua", Event = "chat_a", EventId = idA });
        var b = clientB.Begin(new InteractionOptions { UserId = "ub", Event = "chat_b", EventId = idB });
        await Task.WhenAll(
            a.WithToolAsync("alpha", async () =>
            {
                await Task.Yield();
                return 1;
            }),
            b.WithToolAsync("beta", async () =>
            {
                await Task.Yield();
                return 2;
            }));
        await clientA.WithSpanAsync("alpha_ambient", () => Task.FromResult(1));
        await clientB.WithSpanAsync("beta_ambient", () => Task.FromResult(1));
        await a.FinishAsync();
        await b.FinishAsync();

        var spansA = await TracingHarness.ExportedAsync(apiA, clientA, s => s.Any(x => x.Name == "alpha.tool" && x.EventId == idA) && s.Any(x => x.Name == "alpha_ambient.task"));
        var spansB = await TracingHarness.ExportedAsync(apiB, clientB, s => s.Any(x => x.Name == "beta.tool" && x.EventId == idB) && s.Any(x => x.Name == "beta_ambient.task"));

        Assert.DoesNotContain(spansA, x => x.EventId == idB || x.Name.StartsWith("beta", StringComparison.Ordinal) || x.Name == "chat_b.workflow");
        Assert.DoesNotContain(spansB, x => x.EventId == idA || x.Name.StartsWith("alpha", StringComparison.Ordinal) || x.Name == "chat_a.workflow");
        Assert.Single(spansA, x => x.Name == "chat_a.workflow");
        Assert.Single(spansB, x => x.Name == "chat_b.workflow");
        Assert.Equal(idA, spansA.Single(x => x.Name == "alpha_ambient.task").EventId);
        Assert.Equal(idB, spansB.Single(x => x.Name == "beta_ambient.task").EventId);
        Assert.All(apiA.Requests("traces"), e => Assert.Equal("Bearer test-write-key", Header(e, "Authorization")));
        Assert.All(apiB.Requests("traces"), e => Assert.Equal("Bearer key-b", Header(e, "Authorization")));
    }

    [Fact]
    public async Task A_traces_endpoint_answering_500_past_the_retry_budget_costs_nothing()
    {
        using var api = new FakeApi();
        api.Script("traces", r => r.WithStatusCode(500));
        using var logs = new FakeLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        var client = TracingHarness.OwnedClient(api, o =>
        {
            o.CloseTimeout = TimeSpan.FromSeconds(3);
            o.MaxRetryDuration = TimeSpan.FromMilliseconds(300); // 5xx is retried (WIRE.md §7) until the budget runs out
            o.LoggerFactory = loggerFactory;
        });
        var eventId = Attr.NewId();
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "chat", EventId = eventId });

        Assert.Equal(1, await interaction.WithToolAsync("t", () => Task.FromResult(1)));
        await interaction.FinishAsync(output: "done");
        await client.FlushAsync().WaitAsync(TimeSpan.FromSeconds(8));
        Assert.True(await FakeApi.Eventually(() => api.Requests("traces").Count > 0), "the exporter never tried /v1/traces");

        // One warning (rate-limited), never an exception.
        Assert.True(await FakeApi.Eventually(() => logs.Collector.GetSnapshot().Any(r => r.Level == LogLevel.Warning && r.Message.Contains("span", StringComparison.OrdinalIgnoreCase))), "no warning about the dropped spans");
        Assert.DoesNotContain(logs.Collector.GetSnapshot(), r => r.Message.Contains("test-write-key", StringComparison.Ordinal));

        // Events still flow.
        Assert.True(await FakeApi.Eventually(() => api.Items("events/track_partial").Any(i => (string?)i["event_id"] == eventId)));

        var watch = Stopwatch.StartNew();
        await client.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3 + 2), $"DisposeAsync took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_closed_traces_port_costs_nothing()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var client = new RaindropClient(new RaindropOptions
        {
            WriteKey = "k",
            Endpoint = $"http://127.0.0.1:{port}/v1/",
            FlushInterval = TimeSpan.FromMilliseconds(50),
            CloseTimeout = TimeSpan.FromSeconds(2),
            MaxRetryDuration = TimeSpan.FromSeconds(1),
            RetryBaseDelay = TimeSpan.FromMilliseconds(20),
            MaxRetryDelay = TimeSpan.FromMilliseconds(200),
        });
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "chat" });
        Assert.Equal(1, await interaction.WithToolAsync("t", () => Task.FromResult(1)));
        await interaction.FinishAsync();

        var watch = Stopwatch.StartNew();
        await client.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2 + 2), $"DisposeAsync took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_closed_traces_port_does_not_make_FlushAsync_throw_and_events_still_arrive()
    {
        using var api = new FakeApi();
        using var handler = new ClosedTracesPortHandler();
        await using var client = new RaindropClient(api.Options(o =>
        {
            o.HttpMessageHandler = handler;
            o.FlushTimeout = TimeSpan.FromSeconds(2);
            o.CloseTimeout = TimeSpan.FromSeconds(2);
        }));
        var eventId = Attr.NewId();
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "chat", EventId = eventId });
        Assert.Equal(1, await interaction.WithToolAsync("t", () => Task.FromResult(1)));
        await interaction.FinishAsync(output: "done");

        // The outer bound only keeps a hung flush from hanging the run; FlushTimeout is what the flush must honour.
        var delivered = await client.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));

        // The spans did meet the closed port (so this test tests something) ...
        Assert.True(handler.RefusedTraceExports > 0, "no trace export reached the closed port: the exporter bypassed RaindropOptions.HttpMessageHandler or never ran");

        // ... a refused connection is a network error, retried like any (WIRE.md §7), so the flush says the spans are
        // still pending ...
        Assert.False(delivered, "FlushAsync returned true while the spans were still being retried");

        // ... and the event, queued before the flush, was on the events route when the flush returned.
        Assert.Contains(api.Items("events/track_partial"), i => (string?)i["event_id"] == eventId && (string?)i["ai_data"]?["output"] == "done");
        Assert.Empty(api.Requests("traces"));
    }

    /// <summary>
    /// Sends <c>/v1/traces</c> to a loopback port nothing listens on (the connection is refused) and every other
    /// request where it was going (the fake API), counting the refused trace exports.
    /// </summary>
    private sealed class ClosedTracesPortHandler : DelegatingHandler
    {
        private readonly int _closedPort;
        private int _refused;

        public ClosedTracesPortHandler()
            : base(new SocketsHttpHandler())
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            _closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
        }

        public int RefusedTraceExports => Volatile.Read(ref _refused);

        // The OTLP exporter sends synchronously; the event routes send asynchronously.
        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!Redirect(request))
            {
                return base.Send(request, cancellationToken);
            }

            try
            {
                return base.Send(request, cancellationToken);
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref _refused);
                throw;
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!Redirect(request))
            {
                return await base.SendAsync(request, cancellationToken);
            }

            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref _refused);
                throw;
            }
        }

        private bool Redirect(HttpRequestMessage request)
        {
            if (request.RequestUri?.AbsolutePath != "/v1/traces")
            {
                return false;
            }

            request.RequestUri = new UriBuilder(request.RequestUri) { Port = _closedPort }.Uri;
            return true;
        }
    }
}
