using System.Diagnostics;
using Microsoft.Extensions.AI;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Tracing;

/// <summary>
/// The client's own OpenTelemetry pipeline (WIRE.md §7): its sampling rule, not the host's Activity, decides what is
/// recorded; the app's recorded request keeps the interaction in its trace; exports are retried like events; library
/// model calls give the event its model and tokens.
/// </summary>
[Collection(TracingTestGroup.Name)]
public sealed class OwnedPipelineTests
{
    private const string AgentSource = "Experimental.Microsoft.Agents.AI";

    private static IChatClient Chat() =>
        new ChatClientBuilder(new FakeChatClient()).UseOpenTelemetry(sourceName: Attr.AiSource, configure: c => c.EnableSensitiveData = true).Build();

    // ASP.NET Core with logging on and no OpenTelemetry makes one of these per request: no source, not recorded.
    private static Activity UnrecordedRequest() => new Activity("Microsoft.AspNetCore.Hosting.HttpRequestIn").Start();

    [Fact]
    public async Task Under_an_unrecorded_request_activity_an_AI_library_call_inside_an_interaction_is_exported_in_its_trace()
    {
        using var api = new FakeApi();
        await using var client = TracingHarness.OwnedClient(api);
        using var chat = Chat();
        var eventId = Attr.NewId();
        using (UnrecordedRequest())
        {
            var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "ask", EventId = eventId });
            await chat.GetResponseAsync("hi");
            await interaction.FinishAsync(output: "done");
        }

        var spans = await TracingHarness.ExportedAsync(api, client, s => s.Any(x => x.Scope == Attr.AiSource && x.EventId == eventId) && s.Any(x => x.Name == "ask.workflow"));
        var llm = Assert.Single(spans, x => x.Scope == Attr.AiSource && x.EventId == eventId);
        var root = Assert.Single(spans, x => x.Name == "ask.workflow" && x.EventId == eventId);
        Assert.Equal(root.TraceId, llm.TraceId);
        Assert.Equal(root.SpanId, llm.ParentSpanId);
        var final = api.Items("events/track_partial").Single(i => (string?)i["event_id"] == eventId && (bool?)i["is_pending"] == false);
        Assert.Equal(root.TraceId, (string?)final["properties"]?["trace_id"]);
    }

    [Fact]
    public async Task Under_an_unrecorded_request_activity_an_AI_library_call_outside_any_interaction_is_exported()
    {
        using var api = new FakeApi();
        await using var client = TracingHarness.OwnedClient(api);
        using var chat = Chat();
        var marker = Attr.NewId();
        using (UnrecordedRequest())
        {
            await chat.GetResponseAsync(marker);
        }

        var spans = await TracingHarness.ExportedAsync(api, client, s => s.Any(x => x.Scope == Attr.AiSource && x.Attributes.Values.OfType<string>().Any(v => v.Contains(marker, StringComparison.Ordinal))));
        Assert.Contains(spans, x => x.Scope == Attr.AiSource && x.Attributes.Values.OfType<string>().Any(v => v.Contains(marker, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_interaction_without_spans_sends_no_workflow_span_and_no_trace_id()
    {
        using var api = new FakeApi();
        await using var client = TracingHarness.OwnedClient(api);
        var empty = Attr.NewId();
        var withTool = Attr.NewId();
        await client.Begin(new InteractionOptions { UserId = "u", Event = "quiet", EventId = empty }).FinishAsync(output: "x");
        var second = client.Begin(new InteractionOptions { UserId = "u", Event = "busy", EventId = withTool });
        await second.WithToolAsync("t", () => Task.FromResult(1));
        await second.FinishAsync(output: "y");

        var spans = await TracingHarness.ExportedAsync(api, client, s => s.Any(x => x.Name == "busy.workflow"));
        Assert.DoesNotContain(spans, x => x.EventId == empty);
        var final = api.Items("events/track_partial").Single(i => (string?)i["event_id"] == empty && (bool?)i["is_pending"] == false);
        Assert.Null(final["properties"]?["trace_id"]);
    }

    [Fact]
    public async Task Under_a_recorded_app_request_span_the_workflow_is_its_child_until_finish()
    {
        var appSource = "App.Requests." + Attr.NewId();
        using var app = new ActivitySource(appSource);
        using var appTracing = OpenTelemetry.Sdk.CreateTracerProviderBuilder().AddSource(appSource).Build();
        using var api = new FakeApi();
        await using var client = TracingHarness.OwnedClient(api);
        var eventId = Attr.NewId();
        string requestTrace, requestSpan;
        using (var request = app.StartActivity("POST /chat"))
        {
            Assert.NotNull(request);
            Assert.True(request.Recorded);
            requestTrace = request.TraceId.ToHexString();
            requestSpan = request.SpanId.ToHexString();
            var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "ask", EventId = eventId });
            Assert.Equal(request.SpanId, Activity.Current?.ParentSpanId);
            Assert.Equal("ask.workflow", Activity.Current?.DisplayName);
            await interaction.WithToolAsync("search", () => Task.FromResult(1));
            await interaction.FinishAsync(output: "done");
            Assert.Same(request, Activity.Current);
        }

        var spans = await TracingHarness.ExportedAsync(api, client, s => s.Any(x => x.Name == "ask.workflow") && s.Any(x => x.Name == "search.tool"));
        var root = Assert.Single(spans, x => x.Name == "ask.workflow" && x.EventId == eventId);
        Assert.Equal(requestTrace, root.TraceId);
        Assert.Equal(requestSpan, root.ParentSpanId);
        Assert.Equal(root.SpanId, Assert.Single(spans, x => x.Name == "search.tool").ParentSpanId);
    }

    [Theory]
    [InlineData(429, false)]
    [InlineData(503, false)]
    [InlineData(503, true)]
    public async Task A_trace_export_answered_with_a_transient_status_is_retried_and_delivered_once(int status, bool appHttpClient)
    {
        using var api = new FakeApi();
        using var app = new HttpClient();
        api.Script("traces", r => r.WithStatusCode(status).WithHeader("Retry-After", "1"), r => r.WithStatusCode(200));
        await using var client = TracingHarness.OwnedClient(api, o =>
        {
            o.FlushTimeout = TimeSpan.FromSeconds(8);
            o.HttpClient = appHttpClient ? app : null; // a request message is sent once: each attempt through the app's client is a new one
        });
        var eventId = Attr.NewId();
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "ask", EventId = eventId });
        await interaction.WithToolAsync("search", () => Task.FromResult(1));
        await interaction.FinishAsync(output: "done");

        Assert.True(await client.FlushAsync());

        Assert.True(api.Requests("traces").Count >= 2, "the export was not retried: " + string.Join(",", api.Requests("traces").Select(e => e.ResponseMessage.StatusCode + "@" + e.RequestMessage.DateTime.ToString("ss.fff"))));
        var bodies = api.Requests("traces").Select(e => Convert.ToBase64String(e.RequestMessage.BodyAsBytes!)).Distinct().ToList();
        Assert.Single(bodies); // every attempt sends the same bytes, the exporter's own
        var spans = api.DeliveredSpans();
        Assert.Single(spans, x => x.Name == "search.tool" && x.EventId == eventId);
        Assert.Single(spans, x => x.Name == "ask.workflow" && x.EventId == eventId);
    }

    [Fact]
    public async Task FlushAsync_is_false_while_a_trace_export_is_still_retrying_and_close_stays_bounded()
    {
        using var api = new FakeApi();
        api.Script("traces", r => r.WithStatusCode(503));
        var client = TracingHarness.OwnedClient(api, o =>
        {
            o.FlushTimeout = TimeSpan.FromMilliseconds(800);
            o.CloseTimeout = TimeSpan.FromSeconds(2);
        });
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "ask", EventId = Attr.NewId() });
        await interaction.WithToolAsync("search", () => Task.FromResult(1));
        await interaction.FinishAsync(output: "done");

        Assert.False(await client.FlushAsync());

        var watch = Stopwatch.StartNew();
        await client.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2 + 2), $"DisposeAsync took {watch.Elapsed}");
    }

    [Fact]
    public async Task Model_calls_seen_on_library_spans_give_the_event_its_model_and_tokens_counting_each_call_once()
    {
        using var api = new FakeApi();
        await using var client = TracingHarness.OwnedClient(api);
        using var agents = new ActivitySource(AgentSource);
        using var chat = Chat();
        var eventId = Attr.NewId();
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "agent_run", EventId = eventId });
        using (var agent = agents.StartActivity("invoke_agent helper"))
        {
            Assert.NotNull(agent);
            await chat.GetResponseAsync("one");
            await chat.GetResponseAsync("two");

            // The agent's span repeats the usage of its model calls: it must not be counted again.
            agent.SetTag("gen_ai.operation.name", "invoke_agent");
            agent.SetTag("gen_ai.usage.input_tokens", 14);
            agent.SetTag("gen_ai.usage.output_tokens", 6);
        }

        await interaction.FinishAsync(output: "done");
        await client.FlushAsync();

        var final = api.Items("events/track_partial").Single(i => (string?)i["event_id"] == eventId && (bool?)i["is_pending"] == false);
        Assert.StartsWith(FakeChatClient.Model, (string?)final["ai_data"]?["model"]);
        Assert.Equal(14, (long?)final["properties"]?["input_tokens"]);
        Assert.Equal(6, (long?)final["properties"]?["output_tokens"]);
    }
}
