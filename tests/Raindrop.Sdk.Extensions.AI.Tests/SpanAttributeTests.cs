using Microsoft.Extensions.AI;
using Raindrop.Sdk.Extensions.AI.Tests.TestSupport;

namespace Raindrop.Sdk.Extensions.AI.Tests;

/// <summary>
/// Every attribute the middleware's spans carry, exactly (names, values, types, arrays), so a change to how they are
/// built cannot change what is exported.
/// </summary>
public class SpanAttributeTests
{
    // Tool arguments are written with M.E.AI's own JSON options (indented).
    private const string Arguments = "{\n  \"city\": \"Paris\"\n}";

    [Fact]
    public async Task An_llm_span_inside_an_interaction_carries_exactly_its_prompt_completion_model_usage_and_association()
    {
        await using var h = new ChatHarness();
        using var capture = new SpanCapture();
        using var chat = h.Chat();
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);

        await chat.GetResponseAsync([new(ChatRole.System, "be brief"), new(ChatRole.User, "What is love?")]);
        await interaction.FinishAsync();

        Assert.Equal(
            [
                "gen_ai.completion.0.content=hello there",
                "gen_ai.completion.0.finish_reason=stop",
                "gen_ai.completion.0.role=assistant",
                "gen_ai.operation.name=chat",
                "gen_ai.prompt.0.content=be brief",
                "gen_ai.prompt.0.role=system",
                "gen_ai.prompt.1.content=What is love?",
                "gen_ai.prompt.1.role=user",
                "gen_ai.request.model=fake-model",
                "gen_ai.response.finish_reasons=[stop]",
                "gen_ai.response.model=fake-model-2025",
                "gen_ai.usage.input_tokens=7 (Int64)",
                "gen_ai.usage.output_tokens=3 (Int64)",
                "traceloop.association.properties.convo_id=convo-1",
                "traceloop.association.properties.event_id=" + eventId,
                "traceloop.association.properties.event_name=ask",
                "traceloop.association.properties.user_id=user-1",
                """traceloop.entity.input=[{"role":"system","content":"be brief"},{"role":"user","content":"What is love?"}]""",
                "traceloop.entity.name=chat",
                "traceloop.entity.output=hello there",
                "traceloop.span.kind=llm",
            ],
            SpanCapture.Tags(capture.Single("chat.llm", eventId)));
    }

    [Fact]
    public async Task Outside_an_interaction_the_spans_carry_the_events_association_and_a_tool_call_is_tagged_then_recorded_when_answered()
    {
        await using var h = new ChatHarness();
        using var capture = new SpanCapture();
        h.Model.Answer = ScriptedChatClient.WeatherTool;
        using var chat = h.Chat();
        var options = new ChatOptions
        {
            ConversationId = "c-1",
            AdditionalProperties = new() { ["raindrop.user_id"] = "u-7", ["raindrop.event"] = "support" },
        };
        List<ChatMessage> history = [new(ChatRole.User, "Weather in Paris?")];

        var first = await chat.GetResponseAsync(history, options);
        history.AddRange(first.Messages);
        history.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent("call-1", "sunny in Paris")]));
        await chat.GetResponseAsync(history, options);

        var events = await h.TrackedAsync(i => i.Count >= 2);
        var asked = (string)events.Single(e => e["ai_data"]!["output"] is null)["event_id"]!;
        var answered = (string)events.Single(e => (string?)e["ai_data"]!["output"] == "The weather: sunny in Paris")["event_id"]!;
        Assert.Equal(
            [
                "gen_ai.completion.0.finish_reason=tool_calls",
                "gen_ai.completion.0.tool_calls.0.arguments=" + Arguments,
                "gen_ai.completion.0.tool_calls.0.name=get_weather",
                "gen_ai.operation.name=chat",
                "gen_ai.prompt.0.content=Weather in Paris?",
                "gen_ai.prompt.0.role=user",
                "gen_ai.request.model=fake-model",
                "gen_ai.response.finish_reasons=[tool_calls]",
                "gen_ai.response.model=fake-model-2025",
                "gen_ai.usage.input_tokens=5 (Int64)",
                "gen_ai.usage.output_tokens=2 (Int64)",
                "traceloop.association.properties.convo_id=c-1",
                "traceloop.association.properties.event_id=" + asked,
                "traceloop.association.properties.event_name=support",
                "traceloop.association.properties.user_id=u-7",
                """traceloop.entity.input=[{"role":"user","content":"Weather in Paris?"}]""",
                "traceloop.entity.name=chat",
                "traceloop.span.kind=llm",
            ],
            SpanCapture.Tags(capture.Single("chat.llm", asked)));

        // The second call's prompt is the whole history: the tool call and its result as text.
        var second = SpanCapture.Tags(capture.Single("chat.llm", answered));
        Assert.Contains("gen_ai.prompt.1.content=get_weather(" + Arguments + ")", second);
        Assert.Contains("gen_ai.prompt.1.role=assistant", second);
        Assert.Contains("gen_ai.prompt.2.content=sunny in Paris", second);
        Assert.Contains("gen_ai.prompt.2.role=tool", second);
        Assert.Contains(
            """traceloop.entity.input=[{"role":"user","content":"Weather in Paris?"},{"role":"assistant","content":"get_weather({\u000A  \u0022city\u0022: \u0022Paris\u0022\u000A})"},{"role":"tool","content":"sunny in Paris"}]""",
            second);

        // The answered call is one tool span, recorded from the call and result contents.
        var tool = SpanCapture.Tags(capture.Single("get_weather.tool"));
        Assert.Contains("traceloop.span.kind=tool", tool);
        Assert.Contains("traceloop.entity.input=" + Arguments, tool);
        Assert.Contains("traceloop.entity.output=sunny in Paris", tool);
    }

    [Fact]
    public async Task Tools_run_by_a_loop_below_that_is_not_FunctionInvokingChatClient_are_tool_spans_and_the_callers_options_keep_their_tools()
    {
        await using var h = new ChatHarness();
        using var capture = new SpanCapture();
        h.Model.Answer = ScriptedChatClient.WeatherTool;
        using var chat = h.Model.AsBuilder().UseRaindrop(h.Client).Use(inner => new OwnToolLoop(inner)).Build();
        var tool = AIFunctionFactory.Create((string city) => $"sunny in {city}", "get_weather");
        var options = new ChatOptions { Tools = [tool], AdditionalProperties = new() { ["raindrop.user_id"] = "u-8" } };

        var response = await chat.GetResponseAsync("Weather in Paris?", options);

        Assert.Equal("The weather: sunny in Paris", response.Text);
        Assert.Same(tool, Assert.Single(options.Tools));
        Assert.Equal("u-8", Assert.Single(options.AdditionalProperties).Value);
        var eventId = (string)Assert.Single(await h.TrackedAsync(i => i.Count >= 1))["event_id"]!;
        Assert.Equal(
            [
                "traceloop.association.properties.event_id=" + eventId,
                "traceloop.association.properties.event_name=chat",
                "traceloop.association.properties.user_id=u-8",
                "traceloop.entity.input=" + Arguments,
                "traceloop.entity.name=get_weather",
                "traceloop.entity.output=\"sunny in Paris\"",
                "traceloop.span.kind=tool",
            ],
            SpanCapture.Tags(capture.Single("get_weather.tool", eventId)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_instructions_come_first_in_the_prompt_whether_the_messages_are_a_list_or_a_lazy_sequence(bool lazy)
    {
        await using var h = new ChatHarness();
        using var capture = new SpanCapture();
        using var chat = h.Chat();
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);
        ChatMessage[] messages = [new(ChatRole.User, "first question"), new(ChatRole.Assistant, "first answer"), new(ChatRole.User, "second question")];

        await chat.GetResponseAsync(lazy ? Lazily(messages) : messages, new ChatOptions { Instructions = "be brief" });
        await interaction.FinishAsync();

        var tags = SpanCapture.Tags(capture.Single("chat.llm", eventId));
        Assert.Equal(
            [
                "gen_ai.prompt.0.content=be brief",
                "gen_ai.prompt.0.role=system",
                "gen_ai.prompt.1.content=first question",
                "gen_ai.prompt.1.role=user",
                "gen_ai.prompt.2.content=first answer",
                "gen_ai.prompt.2.role=assistant",
                "gen_ai.prompt.3.content=second question",
                "gen_ai.prompt.3.role=user",
            ],
            tags.Where(t => t.StartsWith("gen_ai.prompt.", StringComparison.Ordinal)));
        Assert.Contains(
            """traceloop.entity.input=[{"role":"system","content":"be brief"},{"role":"user","content":"first question"},{"role":"assistant","content":"first answer"},{"role":"user","content":"second question"}]""",
            tags);
        Assert.Equal("second question", (string?)(await h.InteractionEventAsync(eventId))["ai_data"]!["input"]);
    }

    [Theory]
    [InlineData("stop")]
    [InlineData("STOP")]
    [InlineData("end_turn")]
    public async Task The_finish_reason_is_exported_as_the_provider_wrote_it(string reason)
    {
        await using var h = new ChatHarness();
        using var capture = new SpanCapture();
        h.Model.Answer = (_, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, "done")) { FinishReason = new ChatFinishReason(reason) };
        using var chat = h.Chat();
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);

        await chat.GetResponseAsync("go");
        await interaction.FinishAsync();

        var tags = SpanCapture.Tags(capture.Single("chat.llm", eventId));
        Assert.Contains("gen_ai.completion.0.finish_reason=" + reason, tags);
        Assert.Contains("gen_ai.response.finish_reasons=[" + reason + "]", tags);
    }

    [Fact]
    public async Task Every_tool_call_of_a_response_is_tagged_past_the_first_sixteen_too()
    {
        await using var h = new ChatHarness();
        using var capture = new SpanCapture();
        var calls = Enumerable.Range(0, 18).Select(i => (AIContent)new FunctionCallContent("call-" + i, "tool_" + i, new Dictionary<string, object?> { ["n"] = i })).ToList();
        h.Model.Answer = (_, _) => new ChatResponse(new ChatMessage(ChatRole.Assistant, calls)) { FinishReason = ChatFinishReason.ToolCalls };
        using var chat = h.Chat();
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);

        await chat.GetResponseAsync("go");
        await interaction.FinishAsync();

        var tags = SpanCapture.Tags(capture.Single("chat.llm", eventId));
        for (var i = 0; i < 18; i++)
        {
            Assert.Contains($"gen_ai.completion.0.tool_calls.{i}.name=tool_{i}", tags);
            Assert.Contains($"gen_ai.completion.0.tool_calls.{i}.arguments={{\n  \"n\": {i}\n}}", tags);
        }

        Assert.Equal(36, tags.Count(t => t.StartsWith("gen_ai.completion.0.tool_calls.", StringComparison.Ordinal)));
    }

    private static IEnumerable<ChatMessage> Lazily(IEnumerable<ChatMessage> messages)
    {
        foreach (var message in messages)
        {
            yield return message;
        }
    }

    /// <summary>A tool loop of the app's own below the middleware: runs the functions it is given, then asks again.</summary>
    private sealed class OwnToolLoop(IChatClient inner) : DelegatingChatClient(inner)
    {
        public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            List<ChatMessage> history = [.. messages];
            var first = await base.GetResponseAsync(history, options, cancellationToken);
            var calls = first.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
            if (calls.Count == 0)
            {
                return first;
            }

            history.AddRange(first.Messages);
            foreach (var call in calls)
            {
                var function = options!.Tools!.OfType<AIFunction>().Single(f => f.Name == call.Name);
                var result = await function.InvokeAsync(new AIFunctionArguments(call.Arguments), cancellationToken);
                history.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(call.CallId, result)]));
            }

            return await base.GetResponseAsync(history, options, cancellationToken);
        }
    }
}
