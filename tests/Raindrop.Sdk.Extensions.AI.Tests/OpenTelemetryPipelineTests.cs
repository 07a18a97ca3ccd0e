using Microsoft.Extensions.AI;
using Raindrop.Sdk.Extensions.AI.Tests.TestSupport;

namespace Raindrop.Sdk.Extensions.AI.Tests;

/// <summary>
/// Microsoft.Extensions.AI's own telemetry (UseOpenTelemetry) inside an interaction reaches Raindrop attached to
/// it; with UseRaindrop in the same pipeline, one call is still one LLM span (M.E.AI's) and one tool call one span.
/// </summary>
public class OpenTelemetryPipelineTests
{
    private static ChatClientBuilder Otel(ChatClientBuilder b) => b.UseOpenTelemetry(configure: c => c.EnableSensitiveData = true);

    private static bool IsAiChat(OtlpSpan s) => s.Scope == Attr.AiSource && s.Name.StartsWith("chat", StringComparison.Ordinal);

    private static bool IsAiTool(OtlpSpan s) => s.Scope == Attr.AiSource && s.Name.StartsWith("execute_tool", StringComparison.Ordinal);

    [Fact]
    public async Task Without_UseRaindrop_the_chat_and_execute_tool_spans_of_an_interaction_are_exported_with_it()
    {
        await using var h = new ChatHarness();
        h.Model.Answer = ScriptedChatClient.WeatherTool;
        using var chat = Otel(h.Model.AsBuilder().UseFunctionInvocation()).Build();
        var tool = AIFunctionFactory.Create((string city) => $"sunny in {city}", "get_weather");
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);

        await chat.GetResponseAsync("Weather in Paris?", new ChatOptions { Tools = [tool] });
        await interaction.FinishAsync();

        var spans = await h.SpansAsync(s => s.Count(IsAiChat) >= 2 && s.Any(IsAiTool));
        Assert.Equal(2, spans.Count(IsAiChat));
        Assert.All(spans.Where(s => IsAiChat(s) || IsAiTool(s)), s => Assert.Equal(eventId, s.EventId));
        Assert.Contains(Assert.Single(spans, IsAiTool).Texts(), t => t.Contains("sunny in Paris", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task With_UseOpenTelemetry_in_the_pipeline_a_call_is_one_llm_span_and_the_interaction_is_still_filled(bool raindropOutside)
    {
        await using var h = new ChatHarness();
        using var chat = raindropOutside ? h.Chat(after: Otel) : h.Chat(before: Otel);
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);

        await chat.GetResponseAsync("once only");
        await interaction.FinishAsync();

        var spans = await h.SpansAsync(s => s.Any(IsAiChat));
        var llm = Assert.Single(spans, IsAiChat);
        Assert.Equal(eventId, llm.EventId);
        Assert.DoesNotContain(spans, s => s.Name == "chat.llm");
        var ev = await h.InteractionEventAsync(eventId);
        Assert.Equal("once only", (string?)ev["ai_data"]!["input"]);
        Assert.Equal("hello there", (string?)ev["ai_data"]!["output"]);
        Assert.Equal(7, (long)ev["properties"]!["input_tokens"]!);
    }

    [Fact]
    public async Task OpenTelemetry_below_function_invocation_below_UseRaindrop_records_each_call_and_tool_once()
    {
        await using var h = new ChatHarness();
        h.Model.Answer = ScriptedChatClient.WeatherTool;
        using var chat = h.Chat(after: b => Otel(b.UseFunctionInvocation()));   // Raindrop → FICC → OpenTelemetry → model
        var tool = AIFunctionFactory.Create((string city) => $"sunny in {city}", "get_weather");
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);

        await chat.GetResponseAsync("Weather in Paris?", new ChatOptions { Tools = [tool] });
        await interaction.FinishAsync();

        var spans = await h.SpansAsync(s => s.Count(IsAiChat) >= 2 && s.Any(IsAiTool));
        Assert.Equal(2, spans.Count(IsAiChat));
        Assert.Single(spans, IsAiTool);
        Assert.DoesNotContain(spans, s => s.Name is "chat.llm" or "get_weather.tool");
        Assert.All(spans.Where(s => IsAiChat(s) || IsAiTool(s)), s => Assert.Equal(eventId, s.EventId));
    }

    [Fact]
    public async Task OpenTelemetry_outside_function_invocation_outside_UseRaindrop_leaves_the_per_call_and_tool_spans_to_Raindrop()
    {
        await using var h = new ChatHarness();
        h.Model.Answer = ScriptedChatClient.WeatherTool;
        using var chat = h.Chat(before: b => Otel(b).UseFunctionInvocation());   // OpenTelemetry → FICC → Raindrop → model
        var tool = AIFunctionFactory.Create((string city) => $"sunny in {city}", "get_weather");
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);

        await chat.GetResponseAsync("Weather in Paris?", new ChatOptions { Tools = [tool] });
        await interaction.FinishAsync();

        var spans = await h.SpansAsync(s => s.Any(IsAiChat) && s.Any(x => x.Name == "get_weather.tool") && s.Count(x => x.Name == "chat.llm") >= 2);
        var loop = Assert.Single(spans, IsAiChat);            // the whole loop, as M.E.AI records it
        Assert.DoesNotContain(spans, IsAiTool);               // FICC has no source below it to emit from
        var llms = spans.Where(s => s.Name == "chat.llm").ToList();
        Assert.Equal(2, llms.Count);                          // each model call, the first written once the loop showed
        Assert.All(llms, l => Assert.Equal(loop.SpanId, l.ParentSpanId));
        Assert.Equal(eventId, Assert.Single(spans, s => s.Name == "get_weather.tool").EventId);
    }
}
