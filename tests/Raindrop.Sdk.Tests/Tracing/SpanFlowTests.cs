using System.Diagnostics;
using System.Text.RegularExpressions;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Tracing;

/// <summary>Nesting along the async flow, errors, the event's trace_id, bad input and no listener.</summary>
[Collection(TracingTestGroup.Name)]
public partial class SpanFlowTests
{
    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex TraceIdPattern();

    [Fact]
    public async Task A_tool_inside_a_span_has_the_span_as_its_parent()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);

        await interaction.WithSpanAsync("outer", async () =>
        {
            await Task.Yield();
            await interaction.WithToolAsync("inner", async () =>
            {
                await Task.Delay(1);
                return 1;
            });
        });
        await interaction.FinishAsync();

        var outer = t.Span(eventId, "outer.task");
        var inner = t.Span(eventId, "inner.tool");
        var root = t.Span(eventId, "chat.workflow");
        Assert.Equal(outer.SpanId, inner.ParentSpanId);
        Assert.Equal(outer.TraceId, inner.TraceId);
        Assert.Equal(root.SpanId, outer.ParentSpanId);
        Assert.Equal(root.TraceId, outer.TraceId);
    }

    [Fact]
    public async Task Sequential_top_level_spans_of_one_interaction_share_the_roots_trace()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);

        await interaction.WithSpanAsync("first", () => Task.FromResult(1));
        await interaction.WithToolAsync("second", () => Task.FromResult(2));
        interaction.WithSpan("third", () => 3);
        await interaction.FinishAsync();

        var root = t.Span(eventId, "chat.workflow");
        foreach (var name in new[] { "first.task", "second.tool", "third.task" })
        {
            var span = t.Span(eventId, name);
            Assert.Equal(root.TraceId, span.TraceId);
            Assert.Equal(root.SpanId, span.ParentSpanId);
        }
    }

    [Fact]
    public async Task Parallel_top_level_tools_share_one_workflow_root()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => interaction.WithToolAsync("p" + i, async () =>
        {
            await Task.Yield();
            return i;
        }))));
        Assert.Equal(Enumerable.Range(0, 16), results);
        await interaction.FinishAsync();

        var root = t.Span(eventId, "chat.workflow");
        var tools = t.SpansOf(eventId).Where(s => s.DisplayName.EndsWith(".tool", StringComparison.Ordinal)).ToList();
        Assert.Equal(16, tools.Count);
        Assert.All(tools, s =>
        {
            Assert.Equal(root.TraceId, s.TraceId);
            Assert.Equal(root.SpanId, s.ParentSpanId);
        });
    }

    [Fact]
    public async Task Two_interactions_get_two_different_traces()
    {
        await using var t = TracingHarness.Create();
        var id1 = Attr.NewId();
        var id2 = Attr.NewId();
        var i1 = t.Begin(id1);
        await i1.WithToolAsync("a", () => Task.FromResult(1));
        await i1.FinishAsync();
        var i2 = t.Begin(id2);
        await i2.WithToolAsync("b", () => Task.FromResult(1));
        await i2.FinishAsync();

        Assert.NotEqual(t.Span(id1, "a.tool").TraceId, t.Span(id2, "b.tool").TraceId);
    }

    [Fact]
    public async Task Activity_Current_after_WithToolAsync_is_what_it_was_before()
    {
        var appSource = "App.Flow." + Attr.NewId();
        using var app = new ActivitySource(appSource);
        await using var t = TracingHarness.Create(extraSources: appSource);
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);
        var flow = Activity.Current; // Begin made the interaction's workflow span the flow's span (WIRE.md §7)
        Assert.EndsWith(".workflow", flow?.DisplayName);

        Assert.Same(flow, Activity.Current);
        await interaction.WithToolAsync("t1", () => Task.FromResult(1));
        Assert.Same(flow, Activity.Current);
        await interaction.WithSpanAsync("s1", () => Task.CompletedTask);
        Assert.Same(flow, Activity.Current);

        using (var request = app.StartActivity("GET /chat"))
        {
            Assert.NotNull(request);
            await interaction.WithToolAsync("t2", async () =>
            {
                await Task.Yield();
                return 2;
            });
            Assert.Same(request, Activity.Current);
            interaction.WithTool("t3", () => 3);
            Assert.Same(request, Activity.Current);
            interaction.TrackTool("t4", null, null, TimeSpan.FromMilliseconds(1));
            Assert.Same(request, Activity.Current);
            interaction.StartSpan(RaindropSpanKind.Task, "t5").End();
            Assert.Same(request, Activity.Current);
        }

        Assert.Same(flow, Activity.Current);
        await interaction.FinishAsync();
        Assert.Null(Activity.Current);
    }

    [Fact]
    public async Task A_throwing_delegate_ends_the_span_with_error_and_rethrows_the_same_exception()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);
        var flow = Activity.Current; // Begin made the interaction's workflow span the flow's span (WIRE.md §7)
        Assert.EndsWith(".workflow", flow?.DisplayName);
        var boom = new InvalidOperationException("tool exploded");

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => interaction.WithToolAsync<int>("explode", async () =>
        {
            await Task.Yield();
            throw boom;
        }));
        Assert.Same(boom, thrown);
        Assert.Same(flow, Activity.Current);

        var span = t.Span(eventId, "explode.tool");
        AssertErrorSpan(span, boom);
        Assert.Null(span.GetTagItem(Attr.Output));
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task A_throwing_non_generic_WithSpanAsync_records_the_error_and_rethrows()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);
        var boom = new ArgumentOutOfRangeException("x", "out of range");

        var thrown = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => interaction.WithSpanAsync("fails", async () =>
        {
            await Task.Yield();
            throw boom;
        }));
        Assert.Same(boom, thrown);
        AssertErrorSpan(t.Span(eventId, "fails.task"), boom);
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task A_throwing_sync_WithTool_records_the_error_and_rethrows_the_same_exception()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);
        var flow = Activity.Current; // Begin made the interaction's workflow span the flow's span (WIRE.md §7)
        Assert.EndsWith(".workflow", flow?.DisplayName);
        var boom = new FormatException("bad format");

        var thrown = Assert.Throws<FormatException>(() => interaction.WithTool<int>("parse", () => throw boom));
        Assert.Same(boom, thrown);
        var thrown2 = Assert.Throws<FormatException>(() => interaction.WithTool("parse_void", () => throw boom));
        Assert.Same(boom, thrown2);
        Assert.Same(flow, Activity.Current);

        AssertErrorSpan(t.Span(eventId, "parse.tool"), boom);
        AssertErrorSpan(t.Span(eventId, "parse_void.tool"), boom);
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task A_failing_tool_does_not_fail_its_parent_span()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);

        var result = await interaction.WithSpanAsync("recovering", async () =>
        {
            try
            {
                await interaction.WithToolAsync<int>("flaky", () => throw new TimeoutException("slow"));
            }
            catch (TimeoutException)
            {
            }

            return "fallback";
        });
        Assert.Equal("fallback", result);

        Assert.Equal(ActivityStatusCode.Error, t.Span(eventId, "flaky.tool").Status);
        Assert.Equal(ActivityStatusCode.Unset, t.Span(eventId, "recovering.task").Status);
        Assert.Equal(t.Span(eventId, "recovering.task").SpanId, t.Span(eventId, "flaky.tool").ParentSpanId);
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task The_interactions_event_carries_the_spans_trace_id()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);

        await interaction.WithToolAsync("search", () => Task.FromResult("r"));
        await interaction.FinishAsync(output: "done");
        await t.Client.FlushAsync();

        string? traceId = null;
        Assert.True(await FakeApi.Eventually(() =>
        {
            traceId = t.Api.Items("events/track_partial")
                .Where(i => (string?)i["event_id"] == eventId)
                .Select(i => i["properties"]?["trace_id"]?.GetValue<string>())
                .LastOrDefault(v => v is not null);
            return traceId is not null;
        }), "no track_partial for the event carried properties.trace_id");

        Assert.Matches(TraceIdPattern(), traceId);
        var spans = t.SpansOf(eventId);
        Assert.NotEmpty(spans);
        Assert.All(spans, s => Assert.Equal(traceId, s.TraceId.ToHexString()));
    }

    [Fact]
    public async Task An_interaction_without_spans_has_no_trace_id()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);
        await interaction.FinishAsync(output: "done");
        await t.Client.FlushAsync();

        Assert.True(await FakeApi.Eventually(() => t.Api.Items("events/track_partial").Any(i => (string?)i["event_id"] == eventId && i["is_pending"]?.GetValue<bool>() == false)));
        Assert.All(
            t.Api.Items("events/track_partial").Where(i => (string?)i["event_id"] == eventId),
            i => Assert.Null(i["properties"]?["trace_id"]));
    }

    [Fact]
    public async Task Null_or_empty_span_names_throw_ArgumentException_naming_name()
    {
        await using var t = TracingHarness.Create();
        var interaction = t.Begin(Attr.NewId());
        var flow = Activity.Current; // Begin made the interaction's workflow span the flow's span (WIRE.md §7)
        Assert.EndsWith(".workflow", flow?.DisplayName);
        var c = t.Client;

        foreach (var bad in new[] { null, string.Empty })
        {
            var calls = new Action[]
            {
                () => _ = interaction.WithSpanAsync(bad!, () => Task.FromResult(1)),
                () => _ = interaction.WithSpanAsync(bad!, () => Task.CompletedTask),
                () => _ = interaction.WithToolAsync(bad!, () => Task.FromResult(1)),
                () => _ = interaction.WithToolAsync(bad!, () => Task.CompletedTask),
                () => interaction.WithSpan(bad!, () => 1),
                () => interaction.WithSpan(bad!, () => { }),
                () => interaction.WithTool(bad!, () => 1),
                () => interaction.WithTool(bad!, () => { }),
                () => interaction.StartSpan(RaindropSpanKind.Task, bad!),
                () => interaction.StartSpan(RaindropSpanKind.Tool, bad!),
                () => interaction.TrackTool(bad!, null, null, TimeSpan.Zero),
                () => _ = c.WithSpanAsync(bad!, () => Task.FromResult(1)),
                () => _ = c.WithToolAsync(bad!, () => Task.FromResult(1)),
                () => c.WithSpan(bad!, () => 1),
                () => c.WithTool(bad!, () => 1),
                () => c.StartSpan(RaindropSpanKind.Task, bad!),
                () => c.StartSpan(RaindropSpanKind.Tool, bad!),
                () => c.TrackTool(bad!, null, null, TimeSpan.Zero),
            };
            foreach (var call in calls)
            {
                var ex = Assert.ThrowsAny<ArgumentException>(call);
                Assert.Equal("name", ex.ParamName);
            }
        }

        Assert.Same(flow, Activity.Current);
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task A_cyclic_input_is_recorded_as_a_short_description_and_the_delegate_still_runs()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);
        var cyclic = new SelfReferencing { Name = "loop" };
        cyclic.Self = cyclic;

        var result = await interaction.WithToolAsync("cyclic", () => Task.FromResult(41 + 1), new SpanOptions { Input = cyclic });
        Assert.Equal(42, result);

        // A short description naming why (System.Text.Json refuses the cycle), never the delegate's failure.
        var input = Assert.IsType<string>(t.Span(eventId, "cyclic.tool").GetTagItem(Attr.Input));
        Assert.Equal("[unserializable: JsonException]", input);
        Assert.Equal(ActivityStatusCode.Unset, t.Span(eventId, "cyclic.tool").Status);

        // The same object as a result, and through the sync and manual paths.
        Assert.Same(cyclic, interaction.WithTool("cyclic_sync", () => cyclic, new SpanOptions { Input = cyclic }));
        Assert.Equal("[unserializable: JsonException]", Assert.IsType<string>(t.Span(eventId, "cyclic_sync.tool").GetTagItem(Attr.Output)));
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task A_self_containing_dictionary_or_list_input_does_not_throw()
    {
        await using var t = TracingHarness.Create(o => o.MaxTextFieldChars = 2_000);
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);
        var dict = new Dictionary<string, object?> { ["name"] = "d" };
        dict["self"] = dict;
        var list = new List<object?> { 1 };
        list.Add(list);

        Assert.Equal("ok", await interaction.WithToolAsync("dict_cycle", () => Task.FromResult("ok"), new SpanOptions { Input = dict }));
        Assert.Equal("ok", await interaction.WithToolAsync("list_cycle", () => Task.FromResult("ok"), new SpanOptions { Input = list }));

        foreach (var name in new[] { "dict_cycle.tool", "list_cycle.tool" })
        {
            var input = Assert.IsType<string>(t.Span(eventId, name).GetTagItem(Attr.Input));
            Assert.InRange(input.Length, 1, 2_000);
        }

        await interaction.FinishAsync();
    }

    [Fact]
    public async Task A_stream_input_or_output_is_recorded_as_a_short_description_and_the_result_returned()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);
        using var input = new MemoryStream(new byte[1024]);
        using var output = new MemoryStream(new byte[] { 1, 2, 3 });

        var result = await interaction.WithToolAsync("stream", () => Task.FromResult(output), new SpanOptions { Input = input });
        Assert.Same(output, result);
        var syncResult = interaction.WithTool("stream_sync", () => "ok", new SpanOptions { Input = input });
        Assert.Equal("ok", syncResult);
        using (var span = interaction.StartSpan(RaindropSpanKind.Task, "stream_manual"))
        {
            span.RecordInput(input);
            span.RecordOutput(output);
        }

        var a = t.Span(eventId, "stream.tool");
        Assert.StartsWith("[unserializable: MemoryStream]", Assert.IsType<string>(a.GetTagItem(Attr.Input)), StringComparison.Ordinal);
        Assert.StartsWith("[unserializable: MemoryStream]", Assert.IsType<string>(a.GetTagItem(Attr.Output)), StringComparison.Ordinal);
        Assert.Equal(ActivityStatusCode.Unset, a.Status);
        Assert.StartsWith("[unserializable: MemoryStream]", Assert.IsType<string>(t.Span(eventId, "stream_sync.tool").GetTagItem(Attr.Input)), StringComparison.Ordinal);
        Assert.StartsWith("[unserializable: MemoryStream]", Assert.IsType<string>(t.Span(eventId, "stream_manual.task").GetTagItem(Attr.Output)), StringComparison.Ordinal);
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task With_no_provider_WithToolAsync_returns_the_delegates_result()
    {
        // Other test classes' clients may be listening in parallel: only the functional behaviour is asserted.
        await using var client = new RaindropClient(new RaindropOptions { Disabled = true, UseExternalOpenTelemetry = true });
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "e" });

        Assert.Equal(42, await interaction.WithToolAsync("t", async () =>
        {
            await Task.Yield();
            return 42;
        }));
        Assert.Equal("s", await interaction.WithSpanAsync("s", () => Task.FromResult("s")));
        Assert.Equal(3, interaction.WithTool("t", () => 3));
        Assert.Equal(4, await client.WithToolAsync("t", () => Task.FromResult(4)));
        var boom = new InvalidOperationException("x");
        Assert.Same(boom, await Assert.ThrowsAsync<InvalidOperationException>(() => interaction.WithToolAsync<int>("t", () => throw boom)));
        using (var span = interaction.StartLlmSpan("m"))
        {
            span.RecordOutput("o");
            span.RecordUsage(1, 2);
        }

        interaction.TrackTool("t", null, null, TimeSpan.FromSeconds(1));
        await interaction.FinishAsync();
    }

    private static void AssertErrorSpan(Activity span, Exception error)
    {
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(error.Message, span.StatusDescription);
        var ev = Assert.Single(span.Events, e => e.Name == "exception");
        var tags = ev.Tags.ToDictionary(k => k.Key, k => k.Value);
        Assert.Equal(error.GetType().FullName, tags["exception.type"]);
        Assert.Equal(error.Message, tags["exception.message"]);
    }

    private sealed class SelfReferencing
    {
        public string Name { get; set; } = string.Empty;

        public SelfReferencing? Self { get; set; }
    }
}
