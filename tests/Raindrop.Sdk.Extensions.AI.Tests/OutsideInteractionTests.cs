using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Raindrop.Sdk.Extensions.AI.Tests.TestSupport;

namespace Raindrop.Sdk.Extensions.AI.Tests;

/// <summary>Calls made outside any interaction: one AI event when the user is known, else only the LLM span.</summary>
public class OutsideInteractionTests
{
    [Fact]
    public async Task With_a_user_id_in_AdditionalProperties_each_call_is_one_ai_event()
    {
        await using var h = new ChatHarness();
        using var chat = h.Chat();
        var options = new ChatOptions
        {
            ConversationId = "convo-9",
            AdditionalProperties = new() { ["raindrop.user_id"] = "user-42", ["raindrop.event"] = "support_chat" },
        };

        await chat.GetResponseAsync("first", options);
        await chat.GetResponseAsync("second", options);

        var items = await h.TrackedAsync(i => i.Count >= 2);
        Assert.Equal(2, items.Count);
        var first = items.Single(i => (string?)i["ai_data"]!["input"] == "first");
        Assert.Equal("user-42", (string?)first["user_id"]);
        Assert.Equal("support_chat", (string?)first["event"]);
        Assert.Equal("convo-9", (string?)first["ai_data"]!["convo_id"]);
        Assert.Equal(ScriptedChatClient.ResponseModel, (string?)first["ai_data"]!["model"]);
        Assert.Equal("hello there", (string?)first["ai_data"]!["output"]);
        Assert.Equal(7, (long)first["properties"]!["input_tokens"]!);
        Assert.Empty(h.Api.Items("events/track_partial"));

        // The LLM span carries the event's id and user, so Raindrop links them.
        var eventId = (string)first["event_id"]!;
        var spans = await h.SpansAsync(s => s.Count(x => x.Name == "chat.llm") >= 2);
        var llm = Assert.Single(spans, s => s.Name == "chat.llm" && s.EventId == eventId);
        Assert.Equal("user-42", llm.Attr(Attr.UserId));
        Assert.Equal("first", llm.Attr("gen_ai.prompt.0.content"));
    }

    [Fact]
    public async Task Ids_over_1024_chars_are_cut_the_same_on_the_event_and_on_its_spans()
    {
        await using var h = new ChatHarness();
        using var chat = h.Chat();
        var longUser = new string('u', 2000);
        var longConvo = new string('c', 2000);
        var options = new ChatOptions { ConversationId = longConvo, AdditionalProperties = new() { ["raindrop.user_id"] = longUser } };

        await chat.GetResponseAsync("first", options);

        var ev = Assert.Single(await h.TrackedAsync(i => i.Count >= 1));
        var userId = (string)ev["user_id"]!;
        var convoId = (string)ev["ai_data"]!["convo_id"]!;
        Assert.Equal(1024, userId.Length);
        Assert.EndsWith("...[truncated by raindrop]", userId);
        Assert.Equal(1024, convoId.Length);
        var spans = await h.SpansAsync(s => s.Any(x => x.Name == "chat.llm"));
        var llm = Assert.Single(spans, s => s.Name == "chat.llm" && s.EventId == (string)ev["event_id"]!);
        Assert.Equal(userId, llm.Attr(Attr.UserId)); // the same cut, so the span and the event correlate (WIRE.md §2)
        Assert.Equal(convoId, llm.Attr("traceloop.association.properties.convo_id"));
    }

    [Fact]
    public async Task The_raindrop_keys_never_reach_the_inner_client_and_the_callers_options_are_not_changed()
    {
        await using var h = new ChatHarness();
        using var chat = h.Chat();
        var options = new ChatOptions
        {
            AdditionalProperties = new() { ["raindrop.user_id"] = "user-42", ["raindrop.event"] = "support_chat", ["temperature_hint"] = "warm" },
        };

        await chat.GetResponseAsync("first", options);
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);
        await chat.GetResponseAsync("second", new ChatOptions { AdditionalProperties = new() { ["raindrop.event_id"] = eventId } });
        await chat.GetResponseAsync("third", new ChatOptions { AdditionalProperties = new() { ["raindrop.event_id"] = eventId } }.Clone());
        await interaction.FinishAsync();

        Assert.Equal(3, h.Model.Calls.Count);
        Assert.All(h.Model.Calls, c => Assert.DoesNotContain(c.Options?.AdditionalProperties?.Keys ?? [], k => k.StartsWith("raindrop.", StringComparison.Ordinal)));
        Assert.Equal("warm", h.Model.Calls[0].Options!.AdditionalProperties!["temperature_hint"]);
        Assert.NotSame(options, h.Model.Calls[0].Options);
        Assert.Equal(3, options.AdditionalProperties.Count); // the app's instance keeps its keys
        Assert.Equal("user-42", (string?)Assert.Single(await h.TrackedAsync(i => i.Count >= 1))["user_id"]);
    }

    [Fact]
    public async Task Options_whose_Clone_shares_its_dictionary_and_tools_are_still_never_changed()
    {
        await using var h = new ChatHarness();
        using var chat = h.Chat();
        var tool = AIFunctionFactory.Create((string city) => $"sunny in {city}", "get_weather");
        var options = new ShallowOptions { Tools = [tool], AdditionalProperties = new() { ["raindrop.user_id"] = "user-42", ["temperature_hint"] = "warm" } };

        await chat.GetResponseAsync("first", options);

        Assert.Equal(2, options.AdditionalProperties.Count);
        Assert.Same(tool, Assert.Single(options.Tools));
        var below = Assert.Single(h.Model.Calls).Options!;
        Assert.Equal("warm", Assert.Single(below.AdditionalProperties!).Value);
        Assert.NotSame(tool, Assert.Single(below.Tools!)); // wrapped for the loop below, in a list of its own
    }

    [Fact]
    public async Task Without_content_a_call_outside_an_interaction_sends_no_content_but_keeps_model_and_tokens()
    {
        await using var h = new ChatHarness();
        using var chat = h.Chat(o => o.CaptureContent = false);

        await chat.GetResponseAsync("a private question", new ChatOptions { ConversationId = "c-1", AdditionalProperties = new() { ["raindrop.user_id"] = "u-1" } });

        var item = Assert.Single(await h.TrackedAsync(i => i.Count >= 1));
        Assert.Null(item["ai_data"]);
        Assert.DoesNotContain("\"output\"", item.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("private", item.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("u-1", (string?)item["user_id"]);
        Assert.Equal("chat", (string?)item["event"]);
        Assert.Equal(ScriptedChatClient.ResponseModel, (string?)item["properties"]!["model"]);
        Assert.Equal(3, (long)item["properties"]!["output_tokens"]!);
    }

    [Fact]
    public async Task The_UserIdResolver_names_the_user_and_the_options_name_the_event()
    {
        await using var h = new ChatHarness();
        using var chat = h.Chat(o =>
        {
            o.UserIdResolver = _ => "resolved-user";
            o.EventName = "assistant_turn";
        });

        await chat.GetResponseAsync("hello");

        var item = Assert.Single(await h.TrackedAsync(i => i.Count >= 1));
        Assert.Equal("resolved-user", (string?)item["user_id"]);
        Assert.Equal("assistant_turn", (string?)item["event"]);
    }

    [Fact]
    public async Task Without_a_user_only_the_llm_span_is_recorded_with_one_warning()
    {
        await using var h = new ChatHarness();
        using var chat = h.Chat();

        await chat.GetResponseAsync("anonymous one");
        await chat.GetResponseAsync("anonymous two");

        var spans = await h.SpansAsync(s => s.Count(x => x.Name == "chat.llm") >= 2);
        Assert.Equal(2, spans.Count(s => s.Name == "chat.llm"));
        Assert.All(spans, s => Assert.Null(s.EventId));
        Assert.Empty(h.Api.Items("events/track"));
        Assert.Empty(h.Api.Items("events/track_partial"));
        Assert.Single(h.Warnings(), m => m.Contains("no user id", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_call_outside_an_interaction_is_sent_with_its_error()
    {
        await using var h = new ChatHarness();
        using var chat = h.Chat();
        h.Model.Answer = (_, _) => throw new HttpRequestException("503 from the model");

        await Assert.ThrowsAsync<HttpRequestException>(() => chat.GetResponseAsync("fails", new ChatOptions { AdditionalProperties = new() { ["raindrop.user_id"] = "u-1" } }));

        var item = Assert.Single(await h.TrackedAsync(i => i.Count >= 1));
        Assert.Equal("fails", (string?)item["ai_data"]!["input"]);
        Assert.Equal("HttpRequestException: 503 from the model", (string?)item["properties"]!["error"]);
    }

    [Fact]
    public async Task With_no_client_given_UseRaindrop_resolves_it_from_the_service_provider()
    {
        await using var h = new ChatHarness();
        var services = new ServiceCollection().AddSingleton<IRaindropClient>(h.Client).BuildServiceProvider();
        using var chat = h.Model.AsBuilder().UseRaindrop().Build(services);

        await chat.GetResponseAsync("via DI", new ChatOptions { AdditionalProperties = new() { ["raindrop.user_id"] = "di-user" } });

        var item = Assert.Single(await h.TrackedAsync(i => i.Count >= 1));
        Assert.Equal("di-user", (string?)item["user_id"]);
        Assert.Throws<InvalidOperationException>(() => h.Model.AsBuilder().UseRaindrop().Build(new ServiceCollection().BuildServiceProvider()));
    }

    /// <summary>An options type whose copy shares the caller's dictionary and tool list.</summary>
    private sealed class ShallowOptions : ChatOptions
    {
        public override ChatOptions Clone() => new ShallowOptions { Tools = Tools, AdditionalProperties = AdditionalProperties };
    }
}
