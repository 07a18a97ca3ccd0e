using System.Text.Json.Nodes;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Interactions;

public class InteractionConcurrencyTests
{
    private const string Route = ServerMerge.Route;

    [Fact]
    public async Task The_ambient_interaction_follows_the_async_flow_across_awaits()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        Assert.Null(client.ResumeInteraction());

        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "e", EventId = "evt-ambient" });
        Assert.Same(interaction, client.ResumeInteraction());
        await Task.Yield();
        Assert.Same(interaction, client.ResumeInteraction());
        Assert.Same(interaction, await SeenFromHelperAsync(client));
        Assert.Same(interaction, await Task.Run(() => client.ResumeInteraction()));

        await interaction.FinishAsync(output: "o");
        Assert.Null(client.ResumeInteraction());
        await Task.Yield();
        Assert.Null(client.ResumeInteraction());
        Assert.Null(await SeenFromHelperAsync(client));
    }

    [Fact]
    public async Task The_ambient_interaction_is_null_in_an_unrelated_flow()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "e", EventId = "evt-ambient-2" });

        Task<IInteraction?> unrelated;
        using (ExecutionContext.SuppressFlow())
        {
            unrelated = Task.Run(async () =>
            {
                await Task.Yield();
                return client.ResumeInteraction();
            });
        }

        Assert.Null(await unrelated);
        Assert.Same(interaction, client.ResumeInteraction());
        await interaction.FinishAsync();
    }

    [Fact]
    public async Task An_interaction_finished_in_another_flow_is_no_longer_ambient()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "e", EventId = "evt-ambient-3" });
        await Task.Run(() => interaction.FinishAsync(output: "elsewhere"));
        Assert.True(interaction.IsFinished);
        Assert.Null(client.ResumeInteraction());
    }

    [Fact]
    public async Task Concurrent_flows_each_see_their_own_ambient_interaction()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        using var barrier = new Barrier(2);
        async Task<bool> FlowAsync(string id)
        {
            await Task.Yield();
            var mine = client.Begin(new InteractionOptions { UserId = "u", Event = "e", EventId = id });
            barrier.SignalAndWait(TimeSpan.FromSeconds(5)); // both have begun before either looks
            await Task.Delay(10);
            var seen = client.ResumeInteraction();
            await mine.FinishAsync();
            return ReferenceEquals(seen, mine);
        }

        var results = await Task.WhenAll(Task.Run(() => FlowAsync("evt-flow-a")), Task.Run(() => FlowAsync("evt-flow-b")));
        Assert.All(results, Assert.True);
        Assert.Null(client.ResumeInteraction());
    }

    [Fact]
    public async Task Eight_threads_setting_distinct_keys_on_one_interaction_lose_none()
    {
        const int Threads = 8;
        const int PerThread = 500;
        using var api = new FakeApi();
        await using var client = api.Client();
        var interaction = client.Begin(new InteractionOptions
        {
            UserId = "u",
            Event = "e",
            EventId = "evt-threads",
            Properties = new Dictionary<string, object?> { ["begin"] = "yes" },
        });

        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < PerThread; i++)
            {
                interaction.SetProperty($"t{t}_k{i}", (t * 1000) + i);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        Assert.All(threads, t => Assert.True(t.Join(TimeSpan.FromSeconds(5))));

        await interaction.FinishAsync(output: "done");
        await client.FlushAsync();

        var posts = ServerMerge.Posts(api, "evt-threads");
        Assert.Single(posts, p => !(bool)p["is_pending"]!);
        Assert.False((bool)posts[^1]["is_pending"]!);
        var props = ServerMerge.Merge(posts)["properties"]!.AsObject();
        Assert.Equal((Threads * PerThread) + 1, props.Count);
        Assert.Equal("yes", (string?)props["begin"]);
        for (var t = 0; t < Threads; t++)
        {
            for (var i = 0; i < PerThread; i++)
            {
                Assert.Equal((t * 1000) + i, (int?)props[$"t{t}_k{i}"]);
            }
        }
    }

    [Fact]
    public async Task Two_hundred_interactions_in_flight_at_once_each_arrive_with_their_own_state()
    {
        const int Count = 200;
        using var api = new FakeApi();
        await using var client = api.Client();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var flows = Enumerable.Range(0, Count).Select(n => Task.Run(async () =>
        {
            await gate.Task;
            var interaction = client.Begin(new InteractionOptions
            {
                UserId = $"user-{n}",
                Event = "many",
                EventId = $"evt-many-{n}",
                Input = $"in-{n}",
                Properties = new Dictionary<string, object?> { ["n"] = n },
            });
            await Task.Yield();
            interaction.SetProperty("owner", $"flow-{n}");
            var ambientOk = ReferenceEquals(interaction, client.ResumeInteraction());
            await interaction.FinishAsync(output: $"out-{n}");
            return ambientOk;
        })).ToList();
        gate.SetResult();
        var ambient = await Task.WhenAll(flows);
        Assert.All(ambient, Assert.True);
        await client.FlushAsync();

        ServerMerge.AssertEveryBodyIsOneObject(api);
        var byId = api.Items(Route).GroupBy(o => (string)o["event_id"]!).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(Count, byId.Count);
        for (var n = 0; n < Count; n++)
        {
            var posts = byId[$"evt-many-{n}"];
            Assert.Single(posts, p => !(bool)p["is_pending"]!);
            var merged = ServerMerge.Merge(posts);
            Assert.Equal($"user-{n}", (string?)merged["user_id"]);
            Assert.Equal(n, (int)merged["properties"]!["n"]!);
            Assert.Equal($"flow-{n}", (string?)merged["properties"]!["owner"]);
            Assert.Equal($"in-{n}", (string?)merged["ai_data"]!["input"]);
            Assert.Equal($"out-{n}", (string?)merged["ai_data"]!["output"]);
            Assert.False((bool)merged["is_pending"]!);
        }
    }

    [Fact]
    public async Task Past_MaxOpenInteractions_the_oldest_are_flushed_as_pending_and_forgotten()
    {
        using var api = new FakeApi();
        await using var client = api.Client(o =>
        {
            o.MaxOpenInteractions = 5;
            o.PartialFlushInterval = TimeSpan.FromSeconds(30);
        });
        var interactions = Enumerable.Range(0, 8).Select(i => client.Begin(new InteractionOptions
        {
            UserId = "u",
            Event = "e",
            EventId = $"evt-bound-{i}",
            Properties = new Dictionary<string, object?> { ["i"] = i },
        })).ToList();

        Assert.True(await FakeApi.Eventually(() => api.Items(Route).Count >= 3));
        await Task.Delay(200); // a quiet spell: nothing else may follow
        ServerMerge.AssertEveryBodyIsOneObject(api);
        var items = api.Items(Route);
        Assert.Equal(["evt-bound-0", "evt-bound-1", "evt-bound-2"], items.Select(o => (string?)o["event_id"]).Order(StringComparer.Ordinal));
        foreach (var item in items)
        {
            Assert.True((bool)item["is_pending"]!);
            Assert.Equal("u", (string?)item["user_id"]);
            Assert.Equal((string?)item["event_id"], $"evt-bound-{(int)item["properties"]!["i"]!}");
        }

        // The 5 newest are still live; the evicted ones are forgotten (checked last: a resumed handle takes a slot).
        for (var i = 3; i < 8; i++)
        {
            Assert.Same(interactions[i], client.ResumeInteraction($"evt-bound-{i}"));
        }

        var forgotten = client.ResumeInteraction("evt-bound-0");
        Assert.NotSame(interactions[0], forgotten);
        Assert.Equal("evt-bound-0", forgotten.EventId);
        Assert.Null(forgotten.UserId);
        Assert.Null(forgotten.Event);

        // An evicted interaction can still be finished: nothing recorded is lost.
        interactions[0].SetProperty("after_eviction", true);
        foreach (var interaction in interactions)
        {
            await interaction.FinishAsync(output: "o");
        }

        await client.FlushAsync();
        for (var i = 0; i < 8; i++)
        {
            var posts = ServerMerge.Posts(api, $"evt-bound-{i}");
            Assert.Single(posts, p => !(bool)p["is_pending"]!);
            Assert.Equal(i, (int)ServerMerge.Merge(posts)["properties"]!["i"]!);
        }

        Assert.True((bool)ServerMerge.Merge(ServerMerge.Posts(api, "evt-bound-0"))["properties"]!["after_eviction"]!);
    }

    private static async Task<IInteraction?> SeenFromHelperAsync(RaindropClient client)
    {
        await Task.Yield();
        await Task.Delay(1);
        return client.ResumeInteraction();
    }
}
