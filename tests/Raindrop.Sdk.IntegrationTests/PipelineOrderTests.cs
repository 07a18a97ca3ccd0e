namespace Raindrop.Sdk.IntegrationTests;

/// <summary>
/// Issue 17 item 2 (and 4): <c>UseRaindrop()</c>, <c>UseOpenTelemetry()</c> and <c>UseFunctionInvocation()</c> in every
/// order (and without OpenTelemetry), whole and streamed, a tool round trip, in an ASP.NET Core app with logging on:
/// one LLM span per model call with its own prompt and usage, one tool span per tool call, all in the interaction's
/// trace under its <c>&lt;event&gt;.workflow</c> root, and the event carries that trace's id (WIRE.md §7).
/// </summary>
public class PipelineOrderTests
{
    public static TheoryData<string, bool, bool> Orders()
    {
        var data = new TheoryData<string, bool, bool>();
        foreach (var appOpenTelemetry in new[] { false, true })
        {
            foreach (var order in new[] { "ROF", "RFO", "ORF", "OFR", "FRO", "FOR", "RF", "FR" })
            {
                data.Add(order, false, appOpenTelemetry);
                data.Add(order, true, appOpenTelemetry);
            }
        }

        return data;
    }

    [Theory]
    [Trait("Issue17", "2")]
    [MemberData(nameof(Orders))]
    public async Task A_tool_round_trip_is_two_llm_spans_and_one_tool_span_in_the_interactions_trace(string order, bool stream, bool appOpenTelemetry)
    {
        await using var app = await TestApp.StartAsync(Weather.ChatEndpoint(), new TestAppOptions
        {
            Pipeline = Pipelines.Of(order),
            Script = Weather.RoundTrip,
            AppOpenTelemetry = appOpenTelemetry,
        });
        var toolRunsBefore = Weather.ToolRuns;

        var eventId = await app.PostAsync("/chat?stream=" + (stream ? "true" : "false"));
        await app.FlushAsync();

        Assert.Equal(2, app.OpenAi.Calls.Count);
        Assert.Equal(1, Weather.ToolRuns - toolRunsBefore);
        Assert.Contains(Weather.ToolResultToken, app.OpenAi.Calls[1].RequestJson, StringComparison.Ordinal);
        var spans = app.Sink.Spans;
        var trace = SpanQueries.TraceOf(spans, eventId);
        var all = SpanQueries.Describe(trace.Spans);

        // Exactly one span per model call and per tool call, anywhere Raindrop received spans: none twice, none elsewhere.
        Assert.True(trace.Llm.Count == 2, $"expected 2 LLM spans in the interaction's trace, got {trace.Llm.Count}; {all}");
        Assert.True(spans.Count(SpanQueries.IsLlm) == 2, $"LLM spans outside the interaction's trace; {SpanQueries.Describe(spans)}");
        var tool = Assert.Single(trace.Tools);
        Assert.Contains(Weather.ToolName, tool.Name, StringComparison.Ordinal);
        Assert.True(spans.Count(SpanQueries.IsTool) == 1, $"tool spans outside the interaction's trace; {SpanQueries.Describe(spans)}");

        // Each model call its own usage and its own prompt: only the second carries the tool's result.
        // Known limit (README "Chat middleware"): above UseFunctionInvocation a whole (not streamed) loop returns only
        // its summed usage and no round trip's own, so those spans carry none; the event's totals stay exact.
        // (UseOpenTelemetry() below the loop records each round trip's usage on its own span.)
        var raindropAboveLoop = order.IndexOf('R', StringComparison.Ordinal) < order.IndexOf('F', StringComparison.Ordinal)
            && order.IndexOf('O', StringComparison.Ordinal) < order.IndexOf('F', StringComparison.Ordinal);
        var expectedUsage = app.OpenAi.Calls.Select(c => ((long?)c.InputTokens, (long?)c.OutputTokens)).OrderBy(u => u.Item1);
        var noRoundTripUsage = app.OpenAi.Calls.Select(_ => ((long?)null, (long?)null));
        Assert.Equal(raindropAboveLoop && !stream ? noRoundTripUsage : expectedUsage, trace.Llm.Select(SpanQueries.Usage).OrderBy(u => u.Input));
        var final = app.Sink.Interaction(eventId)!;
        Assert.Equal(app.OpenAi.Calls.Sum(c => c.InputTokens), (int?)final["properties"]?["input_tokens"]);
        Assert.Equal(app.OpenAi.Calls.Sum(c => c.OutputTokens), (int?)final["properties"]?["output_tokens"]);
        Assert.Single(trace.Llm, s => s.AllText.Contains(Weather.ToolResultToken, StringComparison.Ordinal));

        trace.AssertRootedAtWorkflow();
        trace.AssertAllCarry(eventId);
        Assert.Equal(trace.Workflow.TraceId, SpanQueries.TraceId(app.Sink.Interaction(eventId)));
    }
}
