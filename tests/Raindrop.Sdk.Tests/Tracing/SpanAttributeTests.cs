using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Raindrop.Sdk.Tests.Tracing;

[Collection(TracingTestGroup.Name)]
public class SpanAttributeTests
{
    private static void AssertJson(string expected, object? actual)
    {
        var text = Assert.IsType<string>(actual);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(text)), $"expected JSON {expected}, got {text}");
    }

    [Fact]
    public async Task WithSpanAsync_makes_a_task_span_named_after_the_task()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);

        var result = await interaction.WithSpanAsync("plan", async () =>
        {
            await Task.Yield();
            return new Dictionary<string, object?> { ["steps"] = 2 };
        });
        Assert.Equal(2, result["steps"]);

        var span = t.Span(eventId, "plan.task");
        Assert.Equal("Raindrop.Sdk", span.Source.Name);
        Assert.Equal("task", span.GetTagItem(Attr.Kind));
        Assert.Equal("plan", span.GetTagItem(Attr.EntityName));
        AssertJson("""{"steps":2}""", span.GetTagItem(Attr.Output));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task WithToolAsync_makes_a_tool_span_with_input_output_and_version_as_json_text()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);

        var options = new SpanOptions
        {
            Input = new Dictionary<string, object?> { ["query"] = "weather in Paris", ["limit"] = 3, ["tags"] = new[] { "a", "b" } },
            Version = 2,
        };
        var result = await interaction.WithToolAsync("search", async () =>
        {
            await Task.Yield();
            return new Dictionary<string, object?> { ["hits"] = 3, ["top"] = "sunny" };
        }, options);
        Assert.Equal("sunny", result["top"]);

        var span = t.Span(eventId, "search.tool");
        Assert.Equal("tool", span.GetTagItem(Attr.Kind));
        Assert.Equal("search", span.GetTagItem(Attr.EntityName));
        Assert.Equal(2, span.GetTagItem(Attr.Version));
        AssertJson("""{"query":"weather in Paris","limit":3,"tags":["a","b"]}""", span.GetTagItem(Attr.Input));
        AssertJson("""{"hits":3,"top":"sunny"}""", span.GetTagItem(Attr.Output));
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task A_plain_object_input_is_recorded_as_json_text()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);

        await interaction.WithToolAsync("lookup", () => Task.FromResult(new LookupResult("Ada", 36)), new SpanOptions { Input = new { id = 7, name = "ada" } });

        var span = t.Span(eventId, "lookup.tool");
        AssertJson("""{"id":7,"name":"ada"}""", span.GetTagItem(Attr.Input));
        AssertJson("""{"Name":"Ada","Age":36}""", span.GetTagItem(Attr.Output));
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task Every_span_of_an_interaction_carries_its_association_properties_including_the_workflow_root()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId, eventName: "support_chat", userId: "user-42", convoId: "convo-9");

        await interaction.WithSpanAsync("plan", async () =>
        {
            await interaction.WithToolAsync("search", () => Task.FromResult(1));
        });
        interaction.WithTool("format", () => "ok");
        using (var llm = interaction.StartLlmSpan("gpt-4o"))
        {
            llm.RecordOutput("answer");
        }

        interaction.TrackTool("cache", null, null, TimeSpan.FromMilliseconds(5));
        await interaction.FinishAsync(output: "done");

        var spans = t.SpansOf(eventId);
        var names = spans.Select(s => s.DisplayName).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { "cache.tool", "chat.llm", "format.tool", "plan.task", "search.tool", "support_chat.workflow" }, names);
        foreach (var span in spans)
        {
            Assert.Equal(eventId, span.GetTagItem(Attr.EventId));
            Assert.Equal("user-42", span.GetTagItem(Attr.UserId));
            Assert.Equal("convo-9", span.GetTagItem(Attr.ConvoId));
            Assert.Equal("support_chat", span.GetTagItem(Attr.EventName));
        }

        var root = spans.Single(s => s.DisplayName == "support_chat.workflow");
        Assert.Equal("workflow", root.GetTagItem(Attr.Kind));
        Assert.Equal("support_chat", root.GetTagItem(Attr.EntityName));
    }

    [Fact]
    public async Task A_long_string_input_and_output_are_capped_at_MaxTextFieldChars_with_the_marker()
    {
        await using var t = TracingHarness.Create(o => o.MaxTextFieldChars = 100);
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);

        var longText = new string('x', 5_000);
        await interaction.WithToolAsync("big", () => Task.FromResult(longText + "!"), new SpanOptions { Input = longText });

        var span = t.Span(eventId, "big.tool");
        var input = Assert.IsType<string>(span.GetTagItem(Attr.Input));
        var output = Assert.IsType<string>(span.GetTagItem(Attr.Output));
        Assert.Equal(100, input.Length);
        Assert.Equal(100, output.Length);
        Assert.Equal(new string('x', 100 - Attr.Marker.Length) + Attr.Marker, input);
        Assert.EndsWith(Attr.Marker, output, StringComparison.Ordinal);
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task An_object_output_over_the_cap_is_cut_to_MaxTextFieldChars_with_the_marker()
    {
        await using var t = TracingHarness.Create(o => o.MaxTextFieldChars = 100);
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);

        var longText = new string('x', 5_000);
        await interaction.WithToolAsync(
            "big_object",
            () => Task.FromResult(new Dictionary<string, object?> { ["text"] = longText }),
            new SpanOptions { Input = new Dictionary<string, object?> { ["text"] = longText } });

        var span = t.Span(eventId, "big_object.tool");
        foreach (var key in new[] { Attr.Input, Attr.Output })
        {
            var text = Assert.IsType<string>(span.GetTagItem(key));
            Assert.Equal(100, text.Length);
            Assert.StartsWith("{\"text\":\"xxx", text, StringComparison.Ordinal);
            Assert.EndsWith(Attr.Marker, text, StringComparison.Ordinal);
        }

        await interaction.FinishAsync();
    }

    [Fact]
    public async Task An_object_payload_under_the_cap_is_recorded_whole()
    {
        await using var t = TracingHarness.Create(o => o.MaxTextFieldChars = 1000);
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);
        var payload = new Dictionary<string, object?> { ["text"] = new string('y', 300) };

        await interaction.WithToolAsync("medium", () => Task.FromResult(payload), new SpanOptions { Input = payload });

        var span = t.Span(eventId, "medium.tool");
        var expected = "{\"text\":\"" + new string('y', 300) + "\"}";
        Assert.Equal(expected, span.GetTagItem(Attr.Input));
        Assert.Equal(expected, span.GetTagItem(Attr.Output));
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task With_the_default_cap_an_object_with_a_huge_string_is_cut_with_the_marker()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);
        var payload = new Dictionary<string, object?> { ["a"] = new string('a', 200), ["text"] = new string('y', 1_500_000) };

        await interaction.WithToolAsync("huge", () => Task.FromResult(payload));

        var output = Assert.IsType<string>(t.Span(eventId, "huge.tool").GetTagItem(Attr.Output));
        Assert.Equal(1_000_000, output.Length);
        Assert.StartsWith("{\"a\":\"aaa", output, StringComparison.Ordinal);
        Assert.EndsWith(Attr.Marker, output, StringComparison.Ordinal);
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task A_small_object_payload_under_256_bytes_is_recorded_whole_with_a_small_cap()
    {
        await using var t = TracingHarness.Create(o => o.MaxTextFieldChars = 100);
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);
        var payload = new Dictionary<string, object?> { ["text"] = new string('z', 40) };

        await interaction.WithToolAsync("small", () => Task.FromResult(payload), new SpanOptions { Input = payload });

        var span = t.Span(eventId, "small.tool");
        var expected = "{\"text\":\"" + new string('z', 40) + "\"}";
        Assert.Equal(expected, span.GetTagItem(Attr.Input));
        Assert.Equal(expected, span.GetTagItem(Attr.Output));
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task StartLlmSpan_records_model_prompt_completion_and_usage_as_gen_ai_attributes()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);
        var flow = Activity.Current; // Begin made the interaction's workflow span the flow's span (WIRE.md §7)
        Assert.EndsWith(".workflow", flow?.DisplayName);

        var llm = interaction.StartLlmSpan("gpt-4o", [new LlmMessage("system", "be brief"), new LlmMessage("user", "hi there")]);
        Assert.NotNull(llm.Activity);
        Assert.Same(llm.Activity, Activity.Current);
        llm.RecordOutput("hello!");
        llm.RecordUsage(12, 5, "gpt-4o-2024-08-06");
        llm.End();
        Assert.Same(flow, Activity.Current);

        var span = t.Span(eventId, "chat.llm");
        Assert.Equal("llm", span.GetTagItem(Attr.Kind));
        Assert.Equal("gpt-4o", span.GetTagItem("gen_ai.request.model"));
        Assert.Equal("system", span.GetTagItem("gen_ai.prompt.0.role"));
        Assert.Equal("be brief", span.GetTagItem("gen_ai.prompt.0.content"));
        Assert.Equal("user", span.GetTagItem("gen_ai.prompt.1.role"));
        Assert.Equal("hi there", span.GetTagItem("gen_ai.prompt.1.content"));
        Assert.Equal("hello!", span.GetTagItem("gen_ai.completion.0.content"));
        Assert.Equal("assistant", span.GetTagItem("gen_ai.completion.0.role"));
        Assert.Equal(12L, Convert.ToInt64(span.GetTagItem("gen_ai.usage.input_tokens"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(5L, Convert.ToInt64(span.GetTagItem("gen_ai.usage.output_tokens"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("gpt-4o-2024-08-06", span.GetTagItem("gen_ai.response.model"));
        AssertJson("""[{"role":"system","content":"be brief"},{"role":"user","content":"hi there"}]""", span.GetTagItem(Attr.Input));
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task StartLlmSpan_with_a_name_is_named_after_it()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);

        using (interaction.StartLlmSpan("claude-3", name: "draft"))
        {
        }

        var span = t.Span(eventId, "draft.llm");
        Assert.Equal("claude-3", span.GetTagItem("gen_ai.request.model"));
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task TrackTool_records_a_tool_span_lasting_the_given_duration()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);
        var flow = Activity.Current; // Begin made the interaction's workflow span the flow's span (WIRE.md §7)
        Assert.EndsWith(".workflow", flow?.DisplayName);

        interaction.TrackTool("geocode", new Dictionary<string, object?> { ["city"] = "Paris" }, new Dictionary<string, object?> { ["lat"] = 48.85 }, TimeSpan.FromMilliseconds(1500));
        Assert.Same(flow, Activity.Current);

        var span = t.Span(eventId, "geocode.tool");
        Assert.Equal("tool", span.GetTagItem(Attr.Kind));
        AssertJson("""{"city":"Paris"}""", span.GetTagItem(Attr.Input));
        AssertJson("""{"lat":48.85}""", span.GetTagItem(Attr.Output));
        Assert.InRange(span.Duration, TimeSpan.FromMilliseconds(1400), TimeSpan.FromMilliseconds(1600));
        Assert.Equal(span.Duration, (span.StartTimeUtc + span.Duration) - span.StartTimeUtc);
        Assert.True(span.StartTimeUtc + span.Duration <= DateTime.UtcNow.AddSeconds(1), "the tracked call ends now, not in the future");
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task TrackTool_with_an_exception_has_an_error_status_and_an_exception_event()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);

        interaction.TrackTool("geocode", "Paris", null, TimeSpan.FromMilliseconds(200), new TimeoutException("geocoder timed out"));

        var span = t.Span(eventId, "geocode.tool");
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("geocoder timed out", span.StatusDescription);
        var ev = Assert.Single(span.Events, e => e.Name == "exception");
        var tags = ev.Tags.ToDictionary(k => k.Key, k => k.Value);
        Assert.Equal(typeof(TimeoutException).FullName, tags["exception.type"]);
        Assert.Equal("geocoder timed out", tags["exception.message"]);
        Assert.InRange(span.Duration, TimeSpan.FromMilliseconds(150), TimeSpan.FromMilliseconds(300));
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task Sync_WithSpan_and_WithTool_overloads_make_spans_and_restore_the_current_activity()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);
        var flow = Activity.Current; // Begin made the interaction's workflow span the flow's span (WIRE.md §7)
        Assert.EndsWith(".workflow", flow?.DisplayName);
        var ran = 0;

        Assert.Equal(7, interaction.WithSpan("compute", () => 7, new SpanOptions { Input = "seven", Version = 1 }));
        Assert.Same(flow, Activity.Current);
        interaction.WithSpan("side_effect", () => { ran++; });
        Assert.Equal("r", interaction.WithTool("fetch", () => "r"));
        interaction.WithTool("notify", () => { ran++; });
        Assert.Equal(2, ran);
        Assert.Same(flow, Activity.Current);

        var compute = t.Span(eventId, "compute.task");
        Assert.Equal("task", compute.GetTagItem(Attr.Kind));
        Assert.Equal("seven", compute.GetTagItem(Attr.Input));
        Assert.Equal("7", compute.GetTagItem(Attr.Output));
        Assert.Equal(1, compute.GetTagItem(Attr.Version));
        Assert.Equal("task", t.Span(eventId, "side_effect.task").GetTagItem(Attr.Kind));
        var fetch = t.Span(eventId, "fetch.tool");
        Assert.Equal("tool", fetch.GetTagItem(Attr.Kind));
        Assert.Equal("r", fetch.GetTagItem(Attr.Output));
        Assert.Equal("tool", t.Span(eventId, "notify.tool").GetTagItem(Attr.Kind));
        Assert.Null(t.Span(eventId, "notify.tool").GetTagItem(Attr.Output));
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task Manual_StartSpan_records_input_output_and_properties_until_ended()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);
        var flow = Activity.Current; // Begin made the interaction's workflow span the flow's span (WIRE.md §7)
        Assert.EndsWith(".workflow", flow?.DisplayName);

        var span = interaction.StartSpan(RaindropSpanKind.Task, "retrieve", new SpanOptions { Version = 3, Properties = new Dictionary<string, object?> { ["stage"] = "rag" } });
        Assert.NotNull(span.Activity);
        Assert.Same(span.Activity, Activity.Current);
        span.RecordInput(new Dictionary<string, object?> { ["q"] = "docs" });
        span.SetProperties(new Dictionary<string, object?> { ["tier"] = "gold", ["count"] = 3, ["flag"] = true, ["meta"] = new Dictionary<string, object?> { ["a"] = 1 } });
        span.RecordOutput(new[] { "doc1", "doc2" });
        Assert.DoesNotContain(t.SpansOf(eventId), s => s.DisplayName == "retrieve.task");
        span.End();
        span.End(new InvalidOperationException("ignored: already ended"));
        Assert.Same(flow, Activity.Current);

        var a = t.Span(eventId, "retrieve.task");
        Assert.Equal("task", a.GetTagItem(Attr.Kind));
        Assert.Equal(3, a.GetTagItem(Attr.Version));
        AssertJson("""{"q":"docs"}""", a.GetTagItem(Attr.Input));
        AssertJson("""["doc1","doc2"]""", a.GetTagItem(Attr.Output));
        Assert.Equal("rag", a.GetTagItem("traceloop.association.properties.stage"));
        Assert.Equal("gold", a.GetTagItem("traceloop.association.properties.tier"));
        Assert.Equal(3, a.GetTagItem("traceloop.association.properties.count"));
        Assert.Equal(true, a.GetTagItem("traceloop.association.properties.flag"));
        AssertJson("""{"a":1}""", a.GetTagItem("traceloop.association.properties.meta"));
        Assert.Equal(ActivityStatusCode.Unset, a.Status);
        Assert.Empty(a.Events);
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task Manual_StartToolSpan_ended_with_an_error_has_an_error_status()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);

        var span = interaction.StartSpan(RaindropSpanKind.Tool, "charge", new SpanOptions { Input = new Dictionary<string, object?> { ["amount"] = 10 } });
        span.End(new InvalidOperationException("card declined"));
        span.Dispose();

        var a = t.Span(eventId, "charge.tool");
        Assert.Equal("tool", a.GetTagItem(Attr.Kind));
        AssertJson("""{"amount":10}""", a.GetTagItem(Attr.Input));
        Assert.Equal(ActivityStatusCode.Error, a.Status);
        Assert.Equal("card declined", a.StatusDescription);
        var ev = Assert.Single(a.Events, e => e.Name == "exception");
        Assert.Contains(ev.Tags, kv => kv.Key == "exception.type" && (string?)kv.Value == typeof(InvalidOperationException).FullName);
        Assert.Contains(ev.Tags, kv => kv.Key == "exception.message" && (string?)kv.Value == "card declined");
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task Client_level_helpers_use_the_ambient_interaction()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);

        Assert.Equal(5, await t.Client.WithToolAsync("ambient_tool", () => Task.FromResult(5)));
        Assert.Equal(6, await t.Client.WithSpanAsync("ambient_task", () => Task.FromResult(6)));
        Assert.Equal(7, t.Client.WithTool("ambient_sync", () => 7));
        t.Client.TrackTool("ambient_tracked", null, "out", TimeSpan.FromMilliseconds(10));
        using (t.Client.StartSpan(RaindropSpanKind.Tool, "ambient_manual"))
        {
        }

        foreach (var name in new[] { "ambient_tool.tool", "ambient_task.task", "ambient_sync.tool", "ambient_tracked.tool", "ambient_manual.tool" })
        {
            Assert.Equal("user-1", t.Span(eventId, name).GetTagItem(Attr.UserId));
        }

        await interaction.FinishAsync();
    }

    [Fact]
    public async Task Client_level_helper_without_an_interaction_makes_an_unassociated_span()
    {
        await using var t = TracingHarness.Create();
        var name = "solo_" + Attr.NewId();

        Assert.Equal(1, await t.Client.WithToolAsync(name, () => Task.FromResult(1)));

        var span = Assert.Single(t.Spans.Snapshot(), s => s.DisplayName == name + ".tool");
        Assert.Equal("tool", span.GetTagItem(Attr.Kind));
        Assert.Null(span.GetTagItem(Attr.EventId));
    }

    private sealed record LookupResult(string Name, int Age);
}
