using System.Diagnostics;
using Microsoft.Extensions.AI;
using OpenTelemetry.Trace;
using Raindrop.Sdk.Extensions.AI.Tests.TestSupport;

namespace Raindrop.Sdk.Extensions.AI.Tests;

/// <summary>
/// UseRaindrop (R), UseOpenTelemetry (O) and UseFunctionInvocation (F) in every order (outermost first) and without
/// O: a call whose tool loop makes two model calls and one tool call is two LLM spans, each with its own prompt and
/// completion, and one tool span, for the tool from ChatOptions.Tools and from AdditionalTools alike.
/// </summary>
public class PipelineOrderTests
{
    public static TheoryData<string, bool> Orders => new()
    {
        { "ROF", false }, { "ROF", true },
        { "RFO", false }, { "RFO", true },
        { "ORF", false }, { "ORF", true },
        { "FRO", false }, { "FRO", true },
        { "FOR", false }, { "FOR", true },
        { "OFR", false }, { "OFR", true },
        { "RF", false }, { "RF", true },
        { "FR", false }, { "FR", true },
    };

    private static AIFunction Weather() => AIFunctionFactory.Create((string city) => $"sunny in {city}", "get_weather");

    private static bool IsAiChat(OtlpSpan s) => s.Scope == Attr.AiSource && s.Name.StartsWith("chat", StringComparison.Ordinal);

    private static bool IsAiTool(OtlpSpan s) => s.Scope == Attr.AiSource && s.Name.StartsWith("execute_tool", StringComparison.Ordinal);

    private static bool IsTool(OtlpSpan s) => s.Name == "get_weather.tool" || IsAiTool(s);

    // M.E.AI's chat span is per model call only when its client sits below the function invocation.
    private static bool OtelPerCall(string order) => order.Contains('O') && order.IndexOf('F') < order.IndexOf('O');

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task Each_model_call_is_one_llm_span_and_each_tool_call_one_tool_span(string order, bool additional)
    {
        await using var h = new ChatHarness();
        h.Model.Answer = ScriptedChatClient.WeatherTool;
        var tool = Weather();
        using var chat = h.Pipeline(order, additional ? [tool] : null);
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);

        var response = await chat.GetResponseAsync("Weather in Paris?", additional ? null : new ChatOptions { Tools = [tool] });
        await interaction.FinishAsync();

        Assert.Equal("The weather: sunny in Paris", response.Text);
        var perCall = OtelPerCall(order);
        var spans = await h.SpansAsync(s => s.Any(IsTool) && (perCall ? s.Count(IsAiChat) >= 2 : s.Count(x => x.Name == "chat.llm") >= 2));
        var tools = spans.Where(IsTool).ToList();
        Assert.Single(tools);
        Assert.Equal(eventId, tools[0].EventId);
        if (perCall)
        {
            Assert.Equal(2, spans.Count(IsAiChat));
            Assert.DoesNotContain(spans, s => s.Name == "chat.llm");
        }
        else
        {
            var llms = spans.Where(s => s.Name == "chat.llm").ToList();
            Assert.Equal(2, llms.Count);
            Assert.All(llms, l => Assert.Equal(eventId, l.EventId));

            // Each with its own prompt and completion: the second carries the tool's result.
            var first = Assert.Single(llms, l => l.Attr(Attr.FinishReason) == "tool_calls");
            var second = Assert.Single(llms, l => l.Attr(Attr.FinishReason) == "stop");
            Assert.Equal("get_weather", first.Attr("gen_ai.completion.0.tool_calls.0.name"));
            Assert.Contains(second.Attributes, a => a.Key.StartsWith("gen_ai.prompt.", StringComparison.Ordinal) && a.Value is string v && v.Contains("sunny in Paris", StringComparison.Ordinal));
            Assert.DoesNotContain(first.Attributes, a => a.Key.StartsWith("gen_ai.prompt.", StringComparison.Ordinal) && a.Value is string v && v.Contains("sunny in Paris", StringComparison.Ordinal));
            Assert.Equal("The weather: sunny in Paris", second.Attr(Attr.Completion0));
        }

        var ev = await h.InteractionEventAsync(eventId);
        Assert.Equal(16, (long)ev["properties"]!["input_tokens"]!);
        Assert.Equal(6, (long)ev["properties"]!["output_tokens"]!);
        if (order[0] == 'R')
        {
            // Everything below the middleware is in the interaction's trace, whose id the event carries.
            var traceId = (string?)ev["properties"]!["trace_id"];
            Assert.NotNull(traceId);
            Assert.All(spans.Where(s => s.EventId == eventId || IsAiChat(s) || IsAiTool(s)), s => Assert.Equal(traceId, s.TraceId));
            var root = Assert.Single(spans, s => s.Name == "ask.workflow");
            Assert.All(spans.Where(s => IsAiChat(s) || s.Name == "chat.llm"), s => Assert.NotEqual(string.Empty, s.ParentSpanId));
            Assert.Equal(traceId, root.TraceId);
        }
    }

    [Theory]
    [InlineData("ROF", false)]
    [InlineData("ROF", true)]
    [InlineData("ORF", false)]
    [InlineData("ORF", true)]
    [InlineData("RFO", false)]
    [InlineData("FRO", true)]
    [InlineData("RF", false)]
    [InlineData("RF", true)]
    [InlineData("OFR", false)]
    [InlineData("OFR", true)]
    [InlineData("OR", false)]
    public async Task A_call_with_no_tool_round_trip_is_exactly_one_llm_span_in_every_order(string order, bool streamed)
    {
        await using var h = new ChatHarness();
        using var chat = h.Pipeline(order);
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);

        if (streamed)
        {
            await foreach (var u in chat.GetStreamingResponseAsync("just once"))
            {
            }
        }
        else
        {
            await chat.GetResponseAsync("just once");
        }

        await interaction.FinishAsync();

        var spans = await h.SpansAsync(s => s.Any(x => IsAiChat(x) || x.Name == "chat.llm") && s.Any(x => x.Name == "ask.workflow"));
        var llm = Assert.Single(spans, s => IsAiChat(s) || s.Name == "chat.llm");
        Assert.Equal(eventId, llm.EventId);
        var ev = await h.InteractionEventAsync(eventId);
        Assert.Equal("just once", (string?)ev["ai_data"]!["input"]);
    }

    [Theory]
    [InlineData("ROF")]
    [InlineData("RFO")]
    [InlineData("FR")]
    public async Task With_the_apps_own_OpenTelemetry_each_model_call_and_tool_call_is_still_recorded_once(string order)
    {
        await using var h = new ChatHarness(o => o.UseExternalOpenTelemetry = true);
        using var provider = OpenTelemetry.Sdk.CreateTracerProviderBuilder()
            .AddSource("Raindrop.Sdk", Attr.AiSource)
            .AddProcessor(h.Client.CreateSpanProcessor())
            .Build();
        h.Model.Answer = ScriptedChatClient.WeatherTool;
        using var chat = h.Pipeline(order);
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);

        await chat.GetResponseAsync("Weather in Paris?", new ChatOptions { Tools = [Weather()] });
        await interaction.FinishAsync();
        provider.ForceFlush();

        var perCall = OtelPerCall(order);
        var spans = await h.SpansAsync(s => s.Any(IsTool) && (perCall ? s.Count(IsAiChat) >= 2 : s.Count(x => x.Name == "chat.llm") >= 2));
        Assert.Single(spans, IsTool);
        Assert.Equal(2, perCall ? spans.Count(IsAiChat) : spans.Count(x => x.Name == "chat.llm"));
        Assert.All(spans.Where(IsTool), s => Assert.Equal(eventId, s.EventId));
    }

    [Fact]
    public async Task Under_an_unrecorded_ambient_span_UseOpenTelemetry_above_UseRaindrop_is_still_one_llm_span()
    {
        await using var h = new ChatHarness();
        using var chat = h.Pipeline("OR");
        using var ambient = new Activity("request").Start(); // as ASP.NET Core makes one per request, unrecorded
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);

        await chat.GetResponseAsync("hello");
        await interaction.FinishAsync();
        ambient.Stop();

        // With the client's own sampling M.E.AI's span is recorded and is the call's one LLM span.
        var spans = await h.SpansAsync(s => s.Any(x => IsAiChat(x) || x.Name == "chat.llm") && s.Any(x => x.Name == "ask.workflow"));
        Assert.True(spans.Count(s => IsAiChat(s) || s.Name == "chat.llm") == 1, string.Join(", ", spans.Select(s => s.Scope + ":" + s.Name)));
    }

    [Fact]
    public async Task With_UseOpenTelemetry_below_UseRaindrop_the_chat_span_is_a_child_of_the_workflow_and_the_event_gets_the_trace_id()
    {
        await using var h = new ChatHarness();
        using var chat = h.Pipeline("RO");
        var eventId = ChatHarness.NewId();
        using var ambient = new Activity("request").Start(); // the ambient request span (no listener: unrecorded)
        var interaction = h.Begin(eventId);

        await chat.GetResponseAsync("hello");
        await interaction.FinishAsync();
        ambient.Stop();

        var spans = await h.SpansAsync(s => s.Any(IsAiChat) && s.Any(x => x.Name == "ask.workflow"));
        var root = Assert.Single(spans, s => s.Name == "ask.workflow");
        var llm = Assert.Single(spans, IsAiChat);
        Assert.Equal(root.SpanId, llm.ParentSpanId);
        Assert.Equal(root.TraceId, llm.TraceId);
        Assert.NotEqual(ambient.TraceId.ToHexString(), llm.TraceId);
        var ev = await h.InteractionEventAsync(eventId);
        Assert.Equal(root.TraceId, (string?)ev["properties"]!["trace_id"]);
    }

    [Theory]
    [InlineData("RF")]
    [InlineData("ROF")]
    [InlineData("FR")]
    [InlineData("OFR")]
    public async Task A_streamed_tool_loop_below_UseRaindrop_is_one_llm_span_per_model_call_with_its_own_usage(string order)
    {
        await using var h = new ChatHarness();
        h.Model.Answer = ScriptedChatClient.WeatherTool;
        using var streaming = new StreamFromAnswers(h.Model);
        using var chat = h.Pipeline(order, model: streaming);
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);

        var text = string.Empty;
        await foreach (var u in chat.GetStreamingResponseAsync("Weather in Paris?", new ChatOptions { Tools = [Weather()] }))
        {
            text += u.Text;
        }

        await interaction.FinishAsync();

        Assert.Equal("The weather: sunny in Paris", text);
        var spans = await h.SpansAsync(s => s.Count(x => x.Name == "chat.llm") >= 2 && s.Any(x => x.Name == "get_weather.tool"));
        var llms = spans.Where(s => s.Name == "chat.llm").ToList();
        Assert.Equal(2, llms.Count);
        var first = Assert.Single(llms, l => l.Attr(Attr.FinishReason) == "tool_calls");
        var second = Assert.Single(llms, l => l.Attr(Attr.FinishReason) == "stop");
        Assert.Equal(5, first.Long(Attr.InputTokens));
        Assert.Equal(2, first.Long(Attr.OutputTokens));
        Assert.Equal(11, second.Long(Attr.InputTokens));
        Assert.Equal(4, second.Long(Attr.OutputTokens));
        Assert.Equal(ScriptedChatClient.ResponseModel, second.Attr(Attr.ResponseModel));
        Assert.Equal("The weather: sunny in Paris", second.Attr(Attr.Completion0));
        var toolSpan = Assert.Single(spans, s => s.Name == "get_weather.tool");
        Assert.Equal(eventId, toolSpan.EventId);
        var ev = await h.InteractionEventAsync(eventId);
        Assert.Equal(16, (long)ev["properties"]!["input_tokens"]!);
    }

    [Fact]
    public async Task An_app_FunctionInvoker_is_kept_and_still_runs_every_tool()
    {
        await using var h = new ChatHarness();
        h.Model.Answer = ScriptedChatClient.WeatherTool;
        var invoked = 0;
        using var chat = new ChatClientBuilder(h.Model)
            .UseRaindrop(h.Client)
            .UseFunctionInvocation(configure: f => f.FunctionInvoker = (ctx, ct) => { invoked++; return ctx.Function.InvokeAsync(ctx.Arguments, ct); })
            .Build();
        var interaction = h.Begin(ChatHarness.NewId());

        var response = await chat.GetResponseAsync("Weather in Paris?", new ChatOptions { Tools = [Weather()] });
        await interaction.FinishAsync();

        Assert.Equal("The weather: sunny in Paris", response.Text);
        Assert.Equal(1, invoked);
        var spans = await h.SpansAsync(s => s.Any(x => x.Name == "get_weather.tool"));
        Assert.Single(spans, s => s.Name == "get_weather.tool");
    }

    /// <summary>Streams the scripted model's non-streaming answers as updates (usage included, per answer).</summary>
    private sealed class StreamFromAnswers(IChatClient inner) : DelegatingChatClient(inner)
    {
        public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var response = await GetResponseAsync(messages, options, cancellationToken);
            foreach (var update in response.ToChatResponseUpdates())
            {
                await Task.Yield();
                yield return update;
            }
        }
    }
}
