using Raindrop.Testing;

using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Interactions;

/// <summary>Issue 21: <see cref="IRaindropClient.BeginScope"/> (nesting, flow isolation) and <c>Begin</c> taking the scope's user.</summary>
public class ScopeTests
{
    [Fact]
    public async Task Begin_takes_the_scopes_user_convo_and_properties_when_the_app_passes_none()
    {
        using var api = new FakeApi();
        await using var client = api.Client();

        using (client.BeginScope("user-scope", "convo-scope", new Dictionary<string, object?> { ["tenant"] = "t1", ["plan"] = "free" }))
        {
            var interaction = client.Begin(new InteractionOptions { Event = "ask", Properties = new Dictionary<string, object?> { ["plan"] = "pro" } });
            Assert.Equal("user-scope", interaction.UserId);
            Assert.Equal("convo-scope", interaction.ConvoId);
            await interaction.FinishAsync(output: "done");
        }

        await client.FlushAsync();
        var sent = Assert.Single(api.Items(ServerMerge.Route), i => i["is_pending"]?.GetValue<bool>() == false);
        var merged = ServerMerge.Merge(ServerMerge.Posts(api, (string)sent["event_id"]!));
        Assert.Equal("user-scope", (string?)merged["user_id"]);
        Assert.Equal("convo-scope", (string?)merged["ai_data"]?["convo_id"]);
        Assert.Equal("t1", (string?)merged["properties"]?["tenant"]);
        Assert.Equal("pro", (string?)merged["properties"]?["plan"]);
    }

    [Fact]
    public async Task The_apps_own_user_and_convo_win_over_the_scopes()
    {
        await using var client = new RaindropClient(new RaindropOptions { WriteKey = null });
        using var scope = client.BeginScope("user-scope", "convo-scope");

        var interaction = client.Begin(new InteractionOptions { UserId = "user-own", ConvoId = "convo-own", Event = "ask" });

        Assert.Equal("user-own", interaction.UserId);
        Assert.Equal("convo-own", interaction.ConvoId);
    }

    [Fact]
    public async Task Without_a_user_in_the_options_or_a_scope_Begin_throws_naming_UserId()
    {
        await using var client = new RaindropClient(new RaindropOptions { WriteKey = null });
        using var scope = client.BeginScope(convoId: "convo-only");

        var ex = Assert.Throws<ArgumentException>(() => client.Begin(new InteractionOptions { Event = "ask" }));
        Assert.Contains("UserId", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scopes_nest_inner_values_win_null_keeps_the_outer_and_disposing_restores_the_outer()
    {
        await using var client = new RaindropClient(new RaindropOptions { WriteKey = null });
        var outer = client.BeginScope("outer-user", "outer-convo", new Dictionary<string, object?> { ["a"] = 1, ["b"] = 1 });
        var inner = client.BeginScope(convoId: "inner-convo", properties: new Dictionary<string, object?> { ["b"] = 2, ["c"] = 2 });

        var scope = client.CurrentScope!;
        Assert.Equal("outer-user", scope.UserId);
        Assert.Equal("inner-convo", scope.ConvoId);
        Assert.Equal(1, scope.Properties!["a"]);
        Assert.Equal(2, scope.Properties["b"]);
        Assert.Equal(2, scope.Properties["c"]);

        using (client.BeginScope("innermost-user"))
        {
            Assert.Equal("innermost-user", client.CurrentScope!.UserId);
            Assert.Equal("inner-convo", client.CurrentScope.ConvoId);
        }

        inner.Dispose();
        Assert.Equal("outer-convo", client.CurrentScope!.ConvoId);
        Assert.False(client.CurrentScope.Properties!.ContainsKey("c"));
        outer.Dispose();
        Assert.Null(client.CurrentScope);
    }

    [Fact]
    public async Task A_scope_disposed_out_of_order_is_skipped_and_one_begun_in_an_async_call_never_reaches_its_caller()
    {
        await using var client = new RaindropClient(new RaindropOptions { WriteKey = null });
        var outer = client.BeginScope("outer-user");
        var inner = client.BeginScope("inner-user");
        outer.Dispose();
        Assert.Equal("inner-user", client.CurrentScope!.UserId);
        inner.Dispose();
        Assert.Null(client.CurrentScope);

        await OpenInAnotherFlowAsync(client);
        Assert.Null(client.CurrentScope);

        static async Task OpenInAnotherFlowAsync(RaindropClient client)
        {
            client.BeginScope("request-user");
            await Task.Yield();
            Assert.Equal("request-user", client.CurrentScope!.UserId);
        }
    }

    [Fact]
    public async Task Two_clients_keep_their_own_scopes()
    {
        await using var first = new RaindropClient(new RaindropOptions { WriteKey = null });
        await using var second = new RaindropClient(new RaindropOptions { WriteKey = null });
        using var scope = first.BeginScope("user-first");

        Assert.Null(second.CurrentScope);
        Assert.Throws<ArgumentException>(() => second.Begin(new InteractionOptions { Event = "ask" }));
    }

    [Fact]
    public async Task The_in_memory_client_takes_the_scopes_user_convo_and_properties_too()
    {
        await using var fake = new InMemoryRaindropClient();
        using (fake.BeginScope("user-scope", "convo-scope", new Dictionary<string, object?> { ["tenant"] = "t1" }))
        {
            using (fake.BeginScope(properties: new Dictionary<string, object?> { ["step"] = 2 }))
            {
                var interaction = (InMemoryInteraction)fake.Begin(new InteractionOptions { Event = "ask" });
                Assert.Equal("user-scope", interaction.UserId);
                Assert.Equal("convo-scope", interaction.ConvoId);
                Assert.Equal("t1", interaction.Properties["tenant"]);
                Assert.Equal(2, interaction.Properties["step"]);
            }
        }

        Assert.Throws<ArgumentException>(() => fake.Begin(new InteractionOptions { Event = "ask" }));
    }
}
