using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Raindrop.Sdk.Extensions.AI.Tests.TestSupport;

namespace Raindrop.Sdk.Extensions.AI.Tests;

/// <summary>Issue 21: a call outside any interaction picks up the <c>BeginScope</c> user; <c>CaptureChatClients</c> decorates the registrations.</summary>
public class ScopeAndCaptureTests
{
    [Fact]
    public async Task Outside_an_interaction_a_call_in_a_scope_is_an_ai_event_of_the_scopes_user_convo_and_properties()
    {
        await using var h = new ChatHarness();
        using var chat = h.Chat();

        using (h.Client.BeginScope("user-scope", "convo-scope", new Dictionary<string, object?> { ["tenant"] = "t1" }))
        {
            await chat.GetResponseAsync("inside");
        }

        await chat.GetResponseAsync("after");

        var items = await h.TrackedAsync(i => i.Count >= 1);
        var ev = Assert.Single(items);
        Assert.Equal("user-scope", (string?)ev["user_id"]);
        Assert.Equal("convo-scope", (string?)ev["ai_data"]!["convo_id"]);
        Assert.Equal("inside", (string?)ev["ai_data"]!["input"]);
        Assert.Equal("t1", (string?)ev["properties"]!["tenant"]);
    }

    [Fact]
    public async Task Inside_an_interaction_the_call_joins_it_and_sends_no_event_of_the_scope()
    {
        await using var h = new ChatHarness();
        using var chat = h.Chat();
        using var scope = h.Client.BeginScope("user-scope");
        var interaction = h.Client.Begin(new InteractionOptions { Event = "ask" });

        await chat.GetResponseAsync("inside");
        await interaction.FinishAsync();

        var merged = await h.InteractionEventAsync(interaction.EventId);
        Assert.Equal("user-scope", (string?)merged["user_id"]);
        Assert.Equal("inside", (string?)merged["ai_data"]!["input"]);
        Assert.Empty(h.Api.Items("events/track"));
    }

    [Theory]
    [InlineData("instance")]
    [InlineData("factory")]
    [InlineData("type")]
    [InlineData("keyed")]
    public async Task CaptureChatClients_wraps_each_kind_of_registration_made_before_AddRaindrop_once(string kind)
    {
        await using var h = new ChatHarness();
        var services = new ServiceCollection();
        switch (kind)
        {
            case "instance": services.AddSingleton<IChatClient>(h.Model); break;
            case "factory": services.AddChatClient(_ => h.Model).UseFunctionInvocation(); break;
            case "type": services.AddSingleton<IChatClient, ScriptedChatClient>(); break;
            case "keyed": services.AddKeyedChatClient("k", h.Model); break;
        }

        services.AddSingleton<IRaindropClient>(h.Client); // the harness's client records what the captured client sends
        services.AddRaindrop(o => { o.WriteKey = null; o.CaptureChatClients = true; });
        services.AddRaindrop(o => o.DebugLogs = false); // a second call must not wrap twice
        await using var provider = services.BuildServiceProvider();

        var chat = kind == "keyed" ? provider.GetRequiredKeyedService<IChatClient>("k") : provider.GetRequiredService<IChatClient>();
        Assert.IsType<RaindropChatClient>(chat);
        Assert.NotNull(chat.GetService(typeof(ScriptedChatClient)));
        using (h.Client.BeginScope("user-scope"))
        {
            await chat.GetResponseAsync("hi");
        }

        var ev = Assert.Single(await h.TrackedAsync(i => i.Count >= 1));
        Assert.Equal("user-scope", (string?)ev["user_id"]);
        var spans = await h.SpansAsync(s => s.Any(x => x.Name == "chat.llm"));
        Assert.Single(spans, s => s.Name == "chat.llm");
    }

    [Fact]
    public async Task CaptureChatClients_off_returns_the_apps_client_unchanged_and_an_own_UseRaindrop_is_not_wrapped_again()
    {
        var model = new ScriptedChatClient();
        var services = new ServiceCollection();
        services.AddSingleton<IChatClient>(model);
        services.AddRaindrop(o => o.WriteKey = null);
        await using (var provider = services.BuildServiceProvider())
        {
            Assert.Same(model, provider.GetRequiredService<IChatClient>());
        }

        services = new ServiceCollection();
        services.AddChatClient(model).UseFunctionInvocation().UseRaindrop(); // the app's own middleware, inside
        services.AddRaindrop(o => { o.WriteKey = null; o.CaptureChatClients = true; });
        await using (var provider = services.BuildServiceProvider())
        {
            var chat = provider.GetRequiredService<IChatClient>();
            Assert.IsType<FunctionInvokingChatClient>(chat);
            Assert.NotNull(chat.GetService(typeof(RaindropChatClient)));
        }
    }

    [Fact]
    public async Task An_instance_the_app_registered_is_not_disposed_by_the_container_through_the_wrapper()
    {
        var model = new ScriptedChatClient();
        var services = new ServiceCollection();
        services.AddSingleton<IChatClient>(model);
        services.AddRaindrop(o => { o.WriteKey = null; o.CaptureChatClients = true; });
        await using (var provider = services.BuildServiceProvider())
        {
            await provider.GetRequiredService<IChatClient>().GetResponseAsync("hi");
        }

        Assert.False(model.Disposed);
    }
}
