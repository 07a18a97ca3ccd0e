using Microsoft.Extensions.AI;
using Raindrop.Sdk.Extensions.AI.Tests.TestSupport;

namespace Raindrop.Sdk.Extensions.AI.Tests;

/// <summary>Two Raindrop clients (two projects) in one process, each with its own chat pipeline.</summary>
public class TwoClientsTests
{
    [Fact]
    public async Task Each_pipeline_records_only_to_its_own_client()
    {
        await using var a = new ChatHarness();
        await using var b = new ChatHarness();
        a.Model.Answer = ScriptedChatClient.WeatherTool;
        b.Model.Answer = ScriptedChatClient.WeatherTool;
        using var chatA = a.Chat(after: x => x.UseFunctionInvocation());
        using var chatB = b.Chat(before: x => x.UseFunctionInvocation());
        var tool = AIFunctionFactory.Create((string city) => $"sunny in {city}", "get_weather");
        var idA = ChatHarness.NewId();
        var idB = ChatHarness.NewId();

        var interactionA = a.Begin(idA);
        await chatA.GetResponseAsync("question for A", new ChatOptions { Tools = [tool] });
        await interactionA.FinishAsync();
        var interactionB = b.Begin(idB);
        await chatB.GetResponseAsync("question for B", new ChatOptions { Tools = [tool] });
        await interactionB.FinishAsync();
        a.Model.Answer = b.Model.Answer = (_, _) => ScriptedChatClient.Text("plain answer");
        await chatA.GetResponseAsync("single shot for A", new ChatOptions { AdditionalProperties = new() { ["raindrop.user_id"] = "ua" } });
        await chatB.GetResponseAsync("single shot for B", new ChatOptions { AdditionalProperties = new() { ["raindrop.user_id"] = "ub" } });

        Assert.Equal("question for A", (string?)(await a.InteractionEventAsync(idA))["ai_data"]!["input"]);
        Assert.Equal("question for B", (string?)(await b.InteractionEventAsync(idB))["ai_data"]!["input"]);
        var spansA = await a.SpansAsync(s => s.Any(x => x.Name == "get_weather.tool") && s.Count(x => x.Name == "chat.llm") >= 3);
        var spansB = await b.SpansAsync(s => s.Any(x => x.Name == "get_weather.tool") && s.Count(x => x.Name == "chat.llm") >= 3);
        Assert.Single(spansA, s => s.Name == "get_weather.tool" && s.EventId == idA);
        Assert.Single(spansB, s => s.Name == "get_weather.tool" && s.EventId == idB);
        Assert.DoesNotContain(spansA, s => s.EventId == idB);
        Assert.DoesNotContain(spansB, s => s.EventId == idA);
        Assert.Equal(3, spansA.Count(s => s.Name == "chat.llm"));  // A's loop (two model calls) and its single shot
        Assert.Equal(3, spansB.Count(s => s.Name == "chat.llm"));  // B's two model calls and its single shot
        Assert.Equal("ua", (string?)Assert.Single(await a.TrackedAsync(i => i.Count >= 1))["user_id"]);
        Assert.Equal("ub", (string?)Assert.Single(await b.TrackedAsync(i => i.Count >= 1))["user_id"]);
        Assert.DoesNotContain(b.Api.Items("events/track_partial"), o => (string?)o["event_id"] == idA);
    }
}
