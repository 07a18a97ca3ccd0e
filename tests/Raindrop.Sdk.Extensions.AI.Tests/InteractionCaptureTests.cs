using Microsoft.Extensions.AI;
using Raindrop.Sdk.Extensions.AI.Tests.TestSupport;

namespace Raindrop.Sdk.Extensions.AI.Tests;

/// <summary>Non-streaming calls inside an interaction: the LLM span and what the interaction's event gets.</summary>
public class InteractionCaptureTests
{
    [Fact]
    public async Task A_call_inside_an_interaction_is_an_llm_span_and_fills_input_output_model_and_tokens()
    {
        await using var h = new ChatHarness();
        using var chat = h.Chat();
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);

        var response = await chat.GetResponseAsync([new(ChatRole.System, "be brief"), new(ChatRole.User, "What is love?")]);
        Assert.Equal("hello there", response.Text);
        await interaction.FinishAsync();

        var ev = await h.InteractionEventAsync(eventId);
        Assert.Equal("What is love?", (string?)ev["ai_data"]!["input"]);
        Assert.Equal("hello there", (string?)ev["ai_data"]!["output"]);
        Assert.Equal(ScriptedChatClient.ResponseModel, (string?)ev["ai_data"]!["model"]);
        Assert.Equal(7, (long)ev["properties"]!["input_tokens"]!);
        Assert.Equal(3, (long)ev["properties"]!["output_tokens"]!);

        var spans = await h.SpansAsync(s => s.Any(x => x.Name == "chat.llm"));
        var llm = Assert.Single(spans, s => s.Name == "chat.llm");
        Assert.Equal(eventId, llm.EventId);
        Assert.Equal("llm", llm.Attr(Attr.Kind));
        Assert.Equal(ScriptedChatClient.Model, llm.Attr(Attr.RequestModel));
        Assert.Equal(ScriptedChatClient.ResponseModel, llm.Attr(Attr.ResponseModel));
        Assert.Equal(7, llm.Long(Attr.InputTokens));
        Assert.Equal(3, llm.Long(Attr.OutputTokens));
        Assert.Equal("be brief", llm.Attr(Attr.Prompt0));
        Assert.Equal("What is love?", llm.Attr("gen_ai.prompt.1.content"));
        Assert.Equal("hello there", llm.Attr(Attr.Completion0));
        Assert.Equal("stop", llm.Attr(Attr.FinishReason));
        var workflow = Assert.Single(spans, s => s.Name == "ask.workflow");
        Assert.Equal(workflow.TraceId, llm.TraceId);
        Assert.Equal(workflow.TraceId, (string?)ev["properties"]!["trace_id"]);
    }

    [Fact]
    public async Task What_the_app_set_is_kept_the_output_is_the_last_answer_and_tokens_are_summed()
    {
        await using var h = new ChatHarness(o => o.PartialFlushInterval = TimeSpan.Zero);
        using var chat = h.Chat();
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId, input: "the app's input", model: "app-model");
        await h.Client.FlushAsync(); // the Begin fields are sent before the calls: they must still count as set

        await chat.GetResponseAsync("first question");
        h.Model.Answer = (_, _) => ScriptedChatClient.Text("second answer", input: 20, output: 10);
        await chat.GetResponseAsync("second question");
        await interaction.FinishAsync();

        var ev = await h.InteractionEventAsync(eventId);
        Assert.Equal("the app's input", (string?)ev["ai_data"]!["input"]);
        Assert.Equal("app-model", (string?)ev["ai_data"]!["model"]);
        Assert.Equal("second answer", (string?)ev["ai_data"]!["output"]);
        Assert.Equal(27, (long)ev["properties"]!["input_tokens"]!);
        Assert.Equal(13, (long)ev["properties"]!["output_tokens"]!);
    }

    [Fact]
    public async Task The_apps_FinishAsync_output_wins_over_the_captured_one()
    {
        await using var h = new ChatHarness();
        using var chat = h.Chat();
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);

        await chat.GetResponseAsync("question");
        await interaction.FinishAsync(output: "what the app showed");

        var ev = await h.InteractionEventAsync(eventId);
        Assert.Equal("what the app showed", (string?)ev["ai_data"]!["output"]);
        Assert.Equal("question", (string?)ev["ai_data"]!["input"]);
    }

    [Fact]
    public async Task The_interaction_named_in_AdditionalProperties_is_used_when_none_is_ambient()
    {
        await using var h = new ChatHarness();
        using var chat = h.Chat();
        var eventId = ChatHarness.NewId();
        var interaction = await Task.Run(() => h.Begin(eventId)); // begun in another flow: not ambient here
        Assert.Null(h.Client.ResumeInteraction());

        await chat.GetResponseAsync("by id", new ChatOptions { AdditionalProperties = new() { ["raindrop.event_id"] = eventId } });
        await interaction.FinishAsync();

        var ev = await h.InteractionEventAsync(eventId);
        Assert.Equal("by id", (string?)ev["ai_data"]!["input"]);
        Assert.Equal("hello there", (string?)ev["ai_data"]!["output"]);
        var spans = await h.SpansAsync(s => s.Any(x => x.Name == "chat.llm"));
        Assert.Equal(eventId, Assert.Single(spans, s => s.Name == "chat.llm").EventId);
        Assert.Empty(h.Api.Items("events/track"));
    }

    [Fact]
    public async Task A_throwing_model_reaches_the_caller_unchanged_and_is_an_error_span()
    {
        await using var h = new ChatHarness();
        using var chat = h.Chat();
        var boom = new TimeoutException("model timed out");
        h.Model.Answer = (_, _) => throw boom;
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);

        var thrown = await Assert.ThrowsAsync<TimeoutException>(() => chat.GetResponseAsync("will fail"));
        Assert.Same(boom, thrown);
        await interaction.FinishAsync();

        var spans = await h.SpansAsync(s => s.Any(x => x.Name == "chat.llm"));
        var llm = Assert.Single(spans, s => s.Name == "chat.llm");
        Assert.Equal(Attr.Error, llm.StatusCode);
        Assert.Equal("model timed out", llm.StatusMessage);
        Assert.Contains("exception", llm.Events);
        var ev = await h.InteractionEventAsync(eventId);
        Assert.Equal("will fail", (string?)ev["ai_data"]!["input"]);
        Assert.Null(ev["ai_data"]!["output"]);
    }

    [Fact]
    public async Task A_resolver_that_throws_is_logged_and_the_call_still_succeeds()
    {
        await using var h = new ChatHarness();
        using var chat = h.Chat(o => o.UserIdResolver = _ => throw new InvalidOperationException("resolver bug"));

        var response = await chat.GetResponseAsync("no interaction");

        Assert.Equal("hello there", response.Text);
        Assert.Contains(h.Warnings(), m => m.Contains("UserIdResolver", StringComparison.Ordinal));
    }
}
