using Microsoft.Extensions.AI;
using Raindrop.Sdk.Extensions.AI.Tests.TestSupport;

namespace Raindrop.Sdk.Extensions.AI.Tests;

/// <summary>
/// Tools run by FunctionInvokingChatClient, in both builder orders: inside UseRaindrop() (Raindrop sees one call
/// for the whole loop and splits it into its model calls) and outside it (Raindrop sees each model call).
/// </summary>
public class ToolCallTests
{
    public static TheoryData<bool> Orders => new() { true, false };

    private static IChatClient Chat(ChatHarness h, bool functionsInside) =>
        functionsInside
            ? h.Chat(after: b => b.UseFunctionInvocation())    // UseRaindrop().UseFunctionInvocation(): Raindrop outside
            : h.Chat(before: b => b.UseFunctionInvocation());  // UseFunctionInvocation().UseRaindrop(): Raindrop inside

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task A_tool_call_round_trip_is_one_tool_span_with_arguments_and_result(bool functionsInside)
    {
        await using var h = new ChatHarness();
        h.Model.Answer = ScriptedChatClient.WeatherTool;
        using var chat = Chat(h, functionsInside);
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);
        var tool = AIFunctionFactory.Create((string city) => $"sunny in {city}", "get_weather");

        var response = await chat.GetResponseAsync("Weather in Paris?", new ChatOptions { Tools = [tool] });
        await interaction.FinishAsync();

        Assert.Equal("The weather: sunny in Paris", response.Text);
        Assert.Equal(2, h.Model.Calls.Count);
        var spans = await h.SpansAsync(s => s.Any(x => x.Name == "get_weather.tool") && s.Count(x => x.Name == "chat.llm") == 2);
        var toolSpan = Assert.Single(spans, s => s.Name == "get_weather.tool");
        Assert.Equal(eventId, toolSpan.EventId);
        Assert.Equal("tool", toolSpan.Attr(Attr.Kind));
        Assert.Contains("Paris", toolSpan.Attr(Attr.Input), StringComparison.Ordinal);
        Assert.Contains("sunny in Paris", toolSpan.Attr(Attr.Output), StringComparison.Ordinal);
        var llms = spans.Where(s => s.Name == "chat.llm").ToList();
        Assert.Equal(2, llms.Count); // one per model call, in both orders
        Assert.All(llms, l => Assert.Equal(eventId, l.EventId));
        Assert.All(spans.Where(s => s.EventId == eventId), s => Assert.Equal(llms[0].TraceId, s.TraceId));
        Assert.Equal("get_weather", llms.Single(l => l.Attr(Attr.FinishReason) == "tool_calls").Attr("gen_ai.completion.0.tool_calls.0.name"));
        Assert.All(llms, l => Assert.Equal(toolSpan.ParentSpanId, l.ParentSpanId)); // siblings under the interaction's root

        var ev = await h.InteractionEventAsync(eventId);
        Assert.Equal("Weather in Paris?", (string?)ev["ai_data"]!["input"]);
        Assert.Equal("The weather: sunny in Paris", (string?)ev["ai_data"]!["output"]);
        Assert.Equal(16, (long)ev["properties"]!["input_tokens"]!);
        Assert.Equal(6, (long)ev["properties"]!["output_tokens"]!);
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task A_streamed_tool_round_trip_is_recorded_too_as_one_llm_span_per_model_call(bool functionsInside)
    {
        await using var h = new ChatHarness();
        h.Model.Answer = ScriptedChatClient.WeatherTool;
        using var streaming = new StreamFromAnswers(h.Model);
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);
        var tool = AIFunctionFactory.Create((string city) => $"sunny in {city}", "get_weather");
        using var pipeline = functionsInside
            ? new ChatClientBuilder(streaming).UseRaindrop(h.Client).UseFunctionInvocation().Build()
            : new ChatClientBuilder(streaming).UseFunctionInvocation().UseRaindrop(h.Client).Build();

        var text = string.Empty;
        await foreach (var u in pipeline.GetStreamingResponseAsync("Weather in Paris?", new ChatOptions { Tools = [tool] }))
        {
            text += u.Text;
        }

        await interaction.FinishAsync();

        Assert.Equal("The weather: sunny in Paris", text);
        var spans = await h.SpansAsync(s => s.Any(x => x.Name == "get_weather.tool") && s.Count(x => x.Name == "chat.llm") == 2);
        var toolSpan = Assert.Single(spans, s => s.Name == "get_weather.tool");
        Assert.Equal(eventId, toolSpan.EventId);
        Assert.Contains("sunny in Paris", toolSpan.Attr(Attr.Output), StringComparison.Ordinal);
        Assert.Equal(2, spans.Count(s => s.Name == "chat.llm"));

        var ev = await h.InteractionEventAsync(eventId);
        Assert.Equal("The weather: sunny in Paris", (string?)ev["ai_data"]!["output"]);
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task A_tool_that_throws_is_an_error_tool_span_and_the_loop_goes_on(bool functionsInside)
    {
        await using var h = new ChatHarness();
        h.Model.Answer = ScriptedChatClient.WeatherTool;
        using var chat = Chat(h, functionsInside);
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);
        var tool = AIFunctionFactory.Create(string (string city) => throw new InvalidOperationException("weather service down"), "get_weather");

        var response = await chat.GetResponseAsync("Weather in Paris?", new ChatOptions { Tools = [tool] });
        await interaction.FinishAsync();

        Assert.StartsWith("The weather: ", response.Text, StringComparison.Ordinal);
        var spans = await h.SpansAsync(s => s.Any(x => x.Name == "get_weather.tool"));
        var toolSpan = Assert.Single(spans, s => s.Name == "get_weather.tool");
        Assert.Equal(Attr.Error, toolSpan.StatusCode);
        Assert.Equal("weather service down", toolSpan.StatusMessage);
        Assert.Equal(eventId, toolSpan.EventId);
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task Tool_results_already_in_the_history_are_not_recorded_again(bool functionsInside)
    {
        await using var h = new ChatHarness();
        h.Model.Answer = ScriptedChatClient.WeatherTool;
        using var chat = Chat(h, functionsInside);
        var tool = AIFunctionFactory.Create((string city) => $"sunny in {city}", "get_weather");
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);
        List<ChatMessage> history = [new(ChatRole.User, "Weather in Paris?")];

        var first = await chat.GetResponseAsync(history, new ChatOptions { Tools = [tool] });
        history.AddRange(first.Messages);
        history.Add(new(ChatRole.User, "Thanks!"));
        await chat.GetResponseAsync(history, new ChatOptions { Tools = [tool] }); // the old call and result ride along
        await interaction.FinishAsync();

        var spans = await h.SpansAsync(s => s.Count(x => x.Name == "chat.llm") >= 3);
        Assert.Single(spans, s => s.Name == "get_weather.tool");
    }

    /// <summary>Streams the scripted model's non-streaming answers as updates (so a tool call can be streamed).</summary>
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
