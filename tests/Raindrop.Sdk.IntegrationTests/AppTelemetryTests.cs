using Raindrop.Sdk.Tests.Tracing;
using Microsoft.Extensions.Logging;

namespace Raindrop.Sdk.IntegrationTests;

/// <summary>
/// Issue 17 items 8 and 9: with the app's own OpenTelemetry (host b) the interaction hangs under the app's request span
/// and the app's trace keeps its OpenAI HTTP span, with none of the SDK's own POSTs; and the SDK's POSTs write no
/// Information lines to the app's logs (WIRE.md §7 "The app's trace stays whole", "The SDK's own traffic is invisible").
/// </summary>
public class AppTelemetryTests
{
    private static bool TalksTo(OtlpSpan span, LoopbackServer server) =>
        span.Number("server.port") == server.Port
        || (span.Attr("url.full")?.Contains(server.Url, StringComparison.Ordinal) ?? false)
        || (span.Attr("http.url")?.Contains(server.Url, StringComparison.Ordinal) ?? false);

    [Fact]
    [Trait("Issue17", "8")]
    public async Task With_the_apps_OpenTelemetry_the_workflow_is_a_child_of_the_apps_request_span()
    {
        await using var app = await TestApp.StartAsync(Weather.ChatEndpoint(withTools: false), new TestAppOptions
        {
            AppOpenTelemetry = true,
            Pipeline = Pipelines.Of("R"),
        });

        var eventId = await app.PostAsync("/chat");
        await app.FlushAsync();

        var appSpans = app.Collector!.Spans;
        var request = Assert.Single(appSpans, s => s.Scope == "Microsoft.AspNetCore" && s.Name.EndsWith("/chat", StringComparison.Ordinal));
        var trace = SpanQueries.TraceOf(app.Sink.Spans, eventId);
        Assert.True(request.TraceId == trace.Workflow.TraceId && request.SpanId == trace.Workflow.ParentSpanId,
            $"the workflow is not a child of the app's request span {request}; {SpanQueries.Describe(trace.Spans)}");
        Assert.Single(trace.Llm);

        // The app's backend keeps its OpenAI HTTP call in the request's trace...
        var openAiCall = Assert.Single(appSpans, s => s.Scope == "System.Net.Http" && TalksTo(s, app.OpenAi));
        Assert.True(request.TraceId == openAiCall.TraceId, $"the app's OpenAI HTTP span left the request's trace: {openAiCall}; request {request}");

        // ...and never sees the SDK's own requests.
        Assert.NotEmpty(app.Sink.Requests);
        Assert.DoesNotContain(appSpans, s => TalksTo(s, app.Sink));
    }

    [Fact]
    [Trait("Issue17", "8")]
    public async Task With_the_apps_OpenTelemetry_no_span_of_the_SDKs_own_POSTs_reaches_the_app()
    {
        await using var app = await TestApp.StartAsync(Weather.ChatEndpoint(), new TestAppOptions
        {
            AppOpenTelemetry = true,
            Pipeline = Pipelines.Of("ROF"),
            Script = Weather.RoundTrip,
        });

        await app.PostAsync("/chat");
        await app.FlushAsync();

        Assert.Contains(app.Sink.Requests, r => r.Path.EndsWith("/v1/events/track_partial", StringComparison.Ordinal));
        Assert.Contains(app.Sink.Requests, r => r.Path.EndsWith("/v1/traces", StringComparison.Ordinal));
        Assert.Equal(2, app.Collector!.Spans.Count(s => s.Scope == "System.Net.Http" && TalksTo(s, app.OpenAi)));
        Assert.DoesNotContain(app.Collector.Spans, s => TalksTo(s, app.Sink));

        // Nor do they carry the app's trace context (they run with no ambient Activity of the app's).
        Assert.All(app.Sink.Requests, r => Assert.Null(r.Header("traceparent")));
    }

    [Theory]
    [Trait("Issue17", "9")]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_SDKs_own_POSTs_write_no_Information_log_lines(bool appOpenTelemetry)
    {
        await using var app = await TestApp.StartAsync(Weather.ChatEndpoint(), new TestAppOptions
        {
            AppOpenTelemetry = appOpenTelemetry,
            Pipeline = Pipelines.Of("RF"),
            Script = Weather.RoundTrip,
        });

        await app.PostAsync("/chat");
        await app.FlushAsync();

        Assert.Contains(app.Sink.Requests, r => r.Path.EndsWith("/v1/events/track_partial", StringComparison.Ordinal));
        Assert.Contains(app.Logs.Lines, l => l.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) && l.Level == LogLevel.Information);
        var authority = new Uri(app.Sink.Url).Authority;
        var lines = app.Logs.Lines.Where(l => l.Level >= LogLevel.Information
            && l.Category.StartsWith("System.Net.Http.HttpClient", StringComparison.Ordinal)
            && l.Message.Contains(authority, StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count == 0, "the SDK's requests were logged at Information:\n" + string.Join("\n", lines));
    }
}
