using Microsoft.Extensions.AI;
using Raindrop.Sdk.Extensions.AI.Tests.TestSupport;

namespace Raindrop.Sdk.Extensions.AI.Tests;

/// <summary>RedactPii applies to all the middleware records; CaptureContent = false records no message content.</summary>
public class PrivacyTests
{
    private const string Email = "jane.doe@example.com";

    [Fact]
    public async Task With_RedactPii_no_event_or_span_carries_the_personal_data()
    {
        await using var h = new ChatHarness(o => o.RedactPii = true);
        h.Model.Answer = (messages, _) => messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Any()
            ? ScriptedChatClient.Text("I wrote to " + Email)
            : new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "lookup", new Dictionary<string, object?> { ["email"] = Email })]));
        using var chat = h.Chat(after: b => b.UseFunctionInvocation());
        var lookup = AIFunctionFactory.Create((string email) => $"account of {email}", "lookup");
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);

        var response = await chat.GetResponseAsync($"My email is {Email}, find my account", new ChatOptions { Tools = [lookup] });
        Assert.Contains(Email, response.Text, StringComparison.Ordinal); // the app still sees everything
        await interaction.FinishAsync();
        await chat.GetResponseAsync($"Outside: {Email}", new ChatOptions { Tools = [lookup], AdditionalProperties = new() { ["raindrop.user_id"] = "u" } });

        var ev = await h.InteractionEventAsync(eventId);
        Assert.Contains("<REDACTED EMAIL>", (string?)ev["ai_data"]!["input"], StringComparison.Ordinal);
        Assert.Contains("<REDACTED EMAIL>", (string?)ev["ai_data"]!["output"], StringComparison.Ordinal);
        var tracked = Assert.Single(await h.TrackedAsync(i => i.Count >= 1));
        Assert.DoesNotContain(Email, tracked.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Email, ev.ToJsonString(), StringComparison.Ordinal);
        var spans = await h.SpansAsync(s => s.Any(x => x.Name == "lookup.tool") && s.Count(x => x.Name == "chat.llm") >= 2);
        var tool = spans.First(s => s.Name == "lookup.tool" && s.EventId == eventId);
        Assert.Contains("<REDACTED EMAIL>", tool.Attr(Attr.Input), StringComparison.Ordinal);
        Assert.Contains("<REDACTED EMAIL>", tool.Attr(Attr.Output), StringComparison.Ordinal);
        Assert.All(spans, s => Assert.DoesNotContain(s.Texts(), t => t.Contains(Email, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task With_CaptureContent_off_model_tokens_and_timing_are_kept_but_no_content()
    {
        await using var h = new ChatHarness();
        h.Model.Answer = ScriptedChatClient.WeatherTool;
        using var chat = h.Chat(o => o.CaptureContent = false, after: b => b.UseFunctionInvocation());
        var tool = AIFunctionFactory.Create((string city) => $"sunny in {city}", "get_weather");
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);

        await chat.GetResponseAsync("secret question about Paris", new ChatOptions { Tools = [tool] });
        await interaction.FinishAsync();
        await chat.GetResponseAsync("secret outside", new ChatOptions { AdditionalProperties = new() { ["raindrop.user_id"] = "u" } });

        var ev = await h.InteractionEventAsync(eventId);
        Assert.Null(ev["ai_data"]!["input"]);
        Assert.Null(ev["ai_data"]!["output"]);
        Assert.Equal(ScriptedChatClient.ResponseModel, (string?)ev["ai_data"]!["model"]);
        Assert.Equal(16, (long)ev["properties"]!["input_tokens"]!);
        // Outside the interaction no content at all: an AI event needs an input or an output, so it is a plain event
        // (no ai_data, no "output": "") carrying the model and tokens in its properties.
        var tracked = Assert.Single(await h.TrackedAsync(i => i.Count >= 1));
        Assert.DoesNotContain("secret", tracked.ToJsonString(), StringComparison.Ordinal);
        Assert.Null(tracked["ai_data"]);
        Assert.DoesNotContain("\"output\"", tracked.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(ScriptedChatClient.ResponseModel, (string?)tracked["properties"]!["model"]);
        Assert.Equal(16, (long)tracked["properties"]!["input_tokens"]!);

        var spans = await h.SpansAsync(s => s.Any(x => x.Name == "get_weather.tool") && s.Count(x => x.Name == "chat.llm") >= 3);
        var llms = spans.Where(s => s.Name == "chat.llm" && s.EventId == eventId).ToList();
        Assert.Equal(2, llms.Count);
        Assert.All(llms, llm =>
        {
            Assert.Equal(ScriptedChatClient.Model, llm.Attr(Attr.RequestModel));
            Assert.Null(llm.Attr(Attr.Prompt0));
            Assert.Null(llm.Attr(Attr.Completion0));
            Assert.Null(llm.Attr(Attr.Input));
            Assert.Null(llm.Attr(Attr.Output));
        });
        var toolSpan = Assert.Single(spans, s => s.Name == "get_weather.tool");
        Assert.Null(toolSpan.Attr(Attr.Input));
        Assert.Null(toolSpan.Attr(Attr.Output));
        Assert.All(spans, s => Assert.DoesNotContain(s.Texts(), t => t.Contains("secret", StringComparison.Ordinal) || t.Contains("Paris", StringComparison.Ordinal)));
    }
}
