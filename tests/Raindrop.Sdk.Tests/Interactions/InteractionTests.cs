using System.Text.Json;
using System.Text.Json.Nodes;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Interactions;

/// <summary>
/// Merges <c>events/track_partial</c> POSTs the way the server does: by <c>event_id</c>, properties shallow-merged
/// last writer wins (keys starting with <c>$</c> ignored), <c>ai_data</c> keys merged, attachments appended,
/// every other top-level key overwritten.
/// </summary>
internal static class ServerMerge
{
    public const string Route = "events/track_partial";

    /// <summary>The 2xx POSTs for one event id, in arrival order; first asserts every body on the route is ONE JSON object.</summary>
    public static List<JsonObject> Posts(FakeApi api, string eventId)
    {
        AssertEveryBodyIsOneObject(api);
        return api.Items(Route).Where(o => (string?)o["event_id"] == eventId).ToList();
    }

    public static void AssertEveryBodyIsOneObject(FakeApi api)
    {
        foreach (var body in api.Bodies(Route))
        {
            var node = JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = 4096 });
            Assert.IsType<JsonObject>(node);
        }
    }

    public static JsonObject Merge(IEnumerable<JsonObject> posts)
    {
        var merged = new JsonObject();
        var properties = new JsonObject();
        var aiData = new JsonObject();
        var attachments = new JsonArray();
        foreach (var post in posts)
        {
            foreach (var (key, value) in post)
            {
                switch (key)
                {
                    case "properties":
                        foreach (var (name, v) in value!.AsObject())
                        {
                            if (!name.StartsWith('$'))
                            {
                                properties[name] = v?.DeepClone();
                            }
                        }

                        break;
                    case "ai_data":
                        foreach (var (name, v) in value!.AsObject())
                        {
                            aiData[name] = v?.DeepClone();
                        }

                        break;
                    case "attachments":
                        foreach (var a in value!.AsArray())
                        {
                            attachments.Add(a?.DeepClone());
                        }

                        break;
                    default:
                        merged[key] = value?.DeepClone();
                        break;
                }
            }
        }

        merged["properties"] = properties;
        merged["ai_data"] = aiData;
        merged["attachments"] = attachments;
        return merged;
    }

    /// <summary>The caller's property keys of one POST (those not starting with <c>$</c>).</summary>
    public static List<string> UserKeys(JsonObject post) =>
        post["properties"] is JsonObject props ? props.Select(p => p.Key).Where(k => !k.StartsWith('$')).Order(StringComparer.Ordinal).ToList() : [];

    public static Attachment Att(string value, AttachmentType type = AttachmentType.Text, AttachmentRole role = AttachmentRole.Input) =>
        new() { Type = type, Role = role, Value = value };
}

public class InteractionTests
{
    private const string Route = ServerMerge.Route;

    [Fact]
    public async Task Begin_updates_and_finish_arrive_as_the_merged_state()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var interaction = client.Begin(new InteractionOptions
        {
            UserId = "user-1",
            Event = "chat_message",
            EventId = "evt-full",
            Input = "first input",
            Model = "model-begin",
            ConvoId = "convo-1",
            Properties = new Dictionary<string, object?> { ["a"] = 1, ["shared"] = "begin" },
            Attachments = [ServerMerge.Att("att-0", AttachmentType.Code)],
        });

        // Nothing is sent synchronously.
        Assert.Empty(api.Requests(Route));

        interaction.SetProperty("b", "two");
        interaction.SetProperty("shared", "set-property");
        interaction.SetProperties(new Dictionary<string, object?>
        {
            ["c"] = true,
            ["shared"] = "set-properties",
            ["nested"] = new Dictionary<string, object?> { ["x"] = 1 },
        });
        interaction.AddAttachments(ServerMerge.Att("att-1"), ServerMerge.Att("att-2", AttachmentType.Image, AttachmentRole.Output));
        interaction.SetInput("final input");
        await interaction.FinishAsync(
            output: "the answer",
            properties: new Dictionary<string, object?> { ["shared"] = "finish", ["d"] = 4.5 },
            attachments: [ServerMerge.Att("att-3", AttachmentType.Iframe, AttachmentRole.Output)],
            model: "model-final");
        Assert.True(interaction.IsFinished);
        await client.FlushAsync();

        var posts = ServerMerge.Posts(api, "evt-full");
        Assert.NotEmpty(posts);
        Assert.False((bool)posts[^1]["is_pending"]!);
        Assert.All(posts.SkipLast(1), p => Assert.True((bool)p["is_pending"]!));
        Assert.All(posts, p =>
        {
            Assert.Equal("user-1", (string?)p["user_id"]);
            Assert.Equal("chat_message", (string?)p["event"]);
            Assert.Equal("convo-1", (string?)p["ai_data"]!["convo_id"]);
        });

        var merged = ServerMerge.Merge(posts);
        Assert.Equal("evt-full", (string?)merged["event_id"]);
        Assert.Equal("user-1", (string?)merged["user_id"]);
        Assert.Equal("chat_message", (string?)merged["event"]);
        Assert.False((bool)merged["is_pending"]!);
        var ai = merged["ai_data"]!.AsObject();
        Assert.Equal("final input", (string?)ai["input"]);
        Assert.Equal("the answer", (string?)ai["output"]);
        Assert.Equal("model-final", (string?)ai["model"]);
        Assert.Equal("convo-1", (string?)ai["convo_id"]);

        var props = merged["properties"]!.AsObject();
        Assert.Equal(["a", "b", "c", "d", "nested", "shared"], props.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(1, (int)props["a"]!);
        Assert.Equal("two", (string?)props["b"]);
        Assert.True((bool)props["c"]!);
        Assert.Equal(4.5, (double)props["d"]!);
        Assert.Equal(1, (int)props["nested"]!["x"]!);
        Assert.Equal("finish", (string?)props["shared"]);

        var atts = merged["attachments"]!.AsArray();
        Assert.Equal(["att-0", "att-1", "att-2", "att-3"], atts.Select(a => (string?)a!["value"]));
        Assert.Equal(["code", "text", "image", "iframe"], atts.Select(a => (string?)a!["type"]));
        Assert.Equal(["input", "input", "output", "output"], atts.Select(a => (string?)a!["role"]));
    }

    [Fact]
    public async Task Nothing_is_sent_during_a_shorter_quiet_spell_then_finish_sends_everything_in_one_post()
    {
        using var api = new FakeApi();
        await using var client = api.Client(o => o.PartialFlushInterval = TimeSpan.FromSeconds(30));
        var interaction = client.Begin(new InteractionOptions
        {
            UserId = "u",
            Event = "e",
            EventId = "evt-quiet",
            Input = "in",
            Properties = new Dictionary<string, object?> { ["a"] = 1 },
            Attachments = [ServerMerge.Att("first")],
        });
        interaction.SetProperty("b", 2);
        interaction.AddAttachments(ServerMerge.Att("second"));

        // A quiet spell well under the partial-flush interval (but well over FlushInterval): nothing may go out.
        await Task.Delay(400);
        Assert.Empty(api.Requests(Route));

        await interaction.FinishAsync(output: "out");
        await client.FlushAsync();
        var post = Assert.Single(ServerMerge.Posts(api, "evt-quiet"));
        Assert.False((bool)post["is_pending"]!);
        Assert.Equal("u", (string?)post["user_id"]);
        Assert.Equal("e", (string?)post["event"]);
        Assert.Equal("in", (string?)post["ai_data"]!["input"]);
        Assert.Equal("out", (string?)post["ai_data"]!["output"]);
        Assert.Equal(["a", "b"], ServerMerge.UserKeys(post));
        Assert.Equal(["first", "second"], post["attachments"]!.AsArray().Select(a => (string?)a!["value"]));
    }

    [Fact]
    public async Task After_the_quiet_period_the_state_is_sent_pending_and_later_posts_carry_only_what_changed()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var interaction = client.Begin(new InteractionOptions
        {
            UserId = "user-q",
            Event = "chat",
            EventId = "evt-split",
            Input = "question",
            Model = "m1",
            ConvoId = "convo-q",
            Properties = new Dictionary<string, object?> { ["a"] = 1, ["b"] = "x" },
            Attachments = [ServerMerge.Att("begin-att")],
        });
        Assert.Empty(api.Requests(Route));

        Assert.True(await FakeApi.Eventually(() => ServerMerge.Posts(api, "evt-split").Count >= 1));
        var first = Assert.Single(ServerMerge.Posts(api, "evt-split"));
        Assert.True((bool)first["is_pending"]!);
        Assert.Equal("user-q", (string?)first["user_id"]);
        Assert.Equal("chat", (string?)first["event"]);
        Assert.Equal(["a", "b"], ServerMerge.UserKeys(first));
        Assert.Equal("question", (string?)first["ai_data"]!["input"]);
        Assert.Equal("m1", (string?)first["ai_data"]!["model"]);
        Assert.Equal("convo-q", (string?)first["ai_data"]!["convo_id"]);
        Assert.Equal(["begin-att"], first["attachments"]!.AsArray().Select(a => (string?)a!["value"]));

        interaction.SetProperty("c", 3);
        Assert.True(await FakeApi.Eventually(() => ServerMerge.Posts(api, "evt-split").Count >= 2));
        var second = ServerMerge.Posts(api, "evt-split")[1];
        Assert.True((bool)second["is_pending"]!);
        Assert.Equal("evt-split", (string?)second["event_id"]);
        Assert.Equal("user-q", (string?)second["user_id"]);
        Assert.Equal("chat", (string?)second["event"]);
        Assert.Equal(["c"], ServerMerge.UserKeys(second));
        Assert.Equal(3, (int)second["properties"]!["c"]!);
        Assert.True(second["attachments"] is null || second["attachments"]!.AsArray().Count == 0, "old attachments were sent again: " + second.ToJsonString());
        var secondAi = Assert.IsType<JsonObject>(second["ai_data"]);
        Assert.Equal(["convo_id"], secondAi.Select(p => p.Key));
        Assert.Equal("convo-q", (string?)secondAi["convo_id"]);

        await interaction.FinishAsync(output: "answer");
        await client.FlushAsync();
        var posts = ServerMerge.Posts(api, "evt-split");
        Assert.Equal(3, posts.Count);
        var last = posts[2];
        Assert.False((bool)last["is_pending"]!);
        Assert.Empty(ServerMerge.UserKeys(last));
        Assert.Equal("answer", (string?)last["ai_data"]!["output"]);
        Assert.Null(last["ai_data"]!["input"]);

        var merged = ServerMerge.Merge(posts);
        Assert.Equal(["a", "b", "c"], ServerMerge.UserKeys(merged));
        Assert.Equal("question", (string?)merged["ai_data"]!["input"]);
        Assert.Equal("answer", (string?)merged["ai_data"]!["output"]);
        Assert.Single(merged["attachments"]!.AsArray());
        Assert.False((bool)merged["is_pending"]!);
    }

    [Fact]
    public async Task FinishAsync_returns_without_waiting_for_a_throttled_server()
    {
        using var api = new FakeApi();
        await using var client = api.Client();

        // Warm-up (JIT, connection) before the server is scripted.
        var warm = client.Begin(new InteractionOptions { UserId = "u", Event = "e", EventId = "evt-warm" });
        await warm.FinishAsync(output: "warm");
        await client.FlushAsync();
        Assert.Single(ServerMerge.Posts(api, "evt-warm"));

        // One 429 then 204s (several: FakeApi's scripted scenario starts over after its last answer).
        api.Script(
            Route,
            r => r.WithStatusCode(429).WithHeader("Retry-After", "2"),
            r => r.WithStatusCode(204),
            r => r.WithStatusCode(204),
            r => r.WithStatusCode(204),
            r => r.WithStatusCode(204));
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "e", EventId = "evt-throttled" });
        interaction.SetProperty("k", "v");

        // Not awaited before checking: a FinishAsync that waited on delivery could not have completed yet (the
        // update is not even sent; when it is, it is answered 429 and retried 2 s later) ...
        var finishing = interaction.FinishAsync(output: "done");
        Assert.True(finishing.IsCompletedSuccessfully, "FinishAsync returned a task that waits on delivery");

        // ... and one that blocked the caller until delivery would have returned after the server accepted it.
        Assert.True(ServerMerge.Posts(api, "evt-throttled").Count == 0, "FinishAsync returned only after the server had accepted the update");
        await finishing;

        // And again while that request is waiting out its Retry-After: the caller still does not wait.
        Assert.True(await FakeApi.Eventually(() => client.Statistics.Retried >= 1));
        var during = client.Begin(new InteractionOptions { UserId = "u", Event = "e", EventId = "evt-during-backoff" });
        var finishingDuringBackoff = during.FinishAsync(output: "during");
        Assert.True(finishingDuringBackoff.IsCompletedSuccessfully, "FinishAsync during backoff returned a task that waits on delivery");
        await finishingDuringBackoff;

        Assert.True(await FakeApi.Eventually(() => ServerMerge.Posts(api, "evt-throttled").Count >= 1));
        var post = Assert.Single(ServerMerge.Posts(api, "evt-throttled"));
        Assert.False((bool)post["is_pending"]!);
        Assert.Equal("done", (string?)post["ai_data"]!["output"]);
        Assert.Equal("v", (string?)post["properties"]!["k"]);

        // It was throttled first, then retried with the same bytes.
        var attempts = api.Requests(Route).Where(e => e.RequestMessage.Body?.Contains("evt-throttled", StringComparison.Ordinal) == true).ToList();
        var log = string.Join("\n", api.Requests(Route).Select(e => $"{e.RequestMessage.DateTime:HH:mm:ss.fff} {e.ResponseMessage.StatusCode} {e.RequestMessage.Body}"));
        Assert.True(attempts.Count >= 2, log);
        Assert.Equal("429", attempts[0].ResponseMessage.StatusCode?.ToString());
        Assert.All(attempts, a => Assert.Equal(attempts[0].RequestMessage.Body, a.RequestMessage.Body));

        Assert.True(await FakeApi.Eventually(() => ServerMerge.Posts(api, "evt-during-backoff").Count >= 1));
        Assert.False((bool)Assert.Single(ServerMerge.Posts(api, "evt-during-backoff"))["is_pending"]!);
    }

    [Fact]
    public async Task Await_using_without_finish_finishes_on_leaving_the_scope()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        IInteraction captured;
        {
            await using var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "e", EventId = "evt-await-using" });
            interaction.SetProperty("k", "v");
            captured = interaction;
        }

        Assert.True(captured.IsFinished);
        Assert.Null(client.ResumeInteraction());
        await client.FlushAsync();
        var posts = ServerMerge.Posts(api, "evt-await-using");
        Assert.Single(posts, p => !(bool)p["is_pending"]!);
        Assert.False((bool)posts[^1]["is_pending"]!);
        var merged = ServerMerge.Merge(posts);
        Assert.Equal("v", (string?)merged["properties"]!["k"]);
        Assert.Equal("u", (string?)merged["user_id"]);
    }

    [Fact]
    public async Task Using_without_finish_finishes_on_dispose()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        IInteraction captured;
        {
            using var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "e", EventId = "evt-using" });
            interaction.SetProperty("k", "sync");
            captured = interaction;
        }

        Assert.True(captured.IsFinished);
        await client.FlushAsync();
        var posts = ServerMerge.Posts(api, "evt-using");
        Assert.Single(posts, p => !(bool)p["is_pending"]!);
        Assert.False((bool)posts[^1]["is_pending"]!);
        Assert.Equal("sync", (string?)ServerMerge.Merge(posts)["properties"]!["k"]);
    }

    [Fact]
    public async Task Closing_the_client_flushes_unfinished_interactions_as_pending()
    {
        using var api = new FakeApi();
        var client = api.Client(o => o.PartialFlushInterval = TimeSpan.FromSeconds(30));
        var one = client.Begin(new InteractionOptions
        {
            UserId = "u1",
            Event = "e",
            EventId = "evt-close-1",
            Input = "hello",
            Properties = new Dictionary<string, object?> { ["a"] = 1 },
        });
        one.SetProperty("b", 2);
        one.AddAttachments(ServerMerge.Att("kept"));
        var two = client.Begin(new InteractionOptions { UserId = "u2", Event = "e", EventId = "evt-close-2" });
        two.SetProperties(new Dictionary<string, object?> { ["c"] = "three" });
        Assert.Empty(api.Requests(Route));

        await client.DisposeAsync();

        var posts1 = ServerMerge.Posts(api, "evt-close-1");
        Assert.NotEmpty(posts1);
        Assert.All(posts1, p => Assert.True((bool)p["is_pending"]!));
        var merged1 = ServerMerge.Merge(posts1);
        Assert.Equal(["a", "b"], ServerMerge.UserKeys(merged1));
        Assert.Equal("hello", (string?)merged1["ai_data"]!["input"]);
        Assert.Equal(["kept"], merged1["attachments"]!.AsArray().Select(a => (string?)a!["value"]));
        Assert.Equal("u1", (string?)merged1["user_id"]);

        var posts2 = ServerMerge.Posts(api, "evt-close-2");
        Assert.NotEmpty(posts2);
        Assert.All(posts2, p => Assert.True((bool)p["is_pending"]!));
        Assert.Equal("three", (string?)ServerMerge.Merge(posts2)["properties"]!["c"]);

        // Finishing after close is ignored, not thrown, and sends nothing.
        var before = api.Requests(Route).Count;
        Assert.Null(await Record.ExceptionAsync(() => one.FinishAsync(output: "late")));
        Assert.Null(Record.Exception(two.Dispose));
        await Task.Delay(200);
        Assert.Equal(before, api.Requests(Route).Count);
    }

    [Fact]
    public async Task Closing_the_client_keeps_the_state_of_an_interaction_replaced_by_a_second_Begin_with_its_id()
    {
        using var api = new FakeApi();
        var client = api.Client(o => o.PartialFlushInterval = TimeSpan.FromSeconds(30));
        var first = client.Begin(new InteractionOptions
        {
            UserId = "u",
            Event = "e",
            EventId = "evt-dup",
            Properties = new Dictionary<string, object?> { ["from_first"] = 1 },
        });
        var second = client.Begin(new InteractionOptions
        {
            UserId = "u",
            Event = "e",
            EventId = "evt-dup",
            Properties = new Dictionary<string, object?> { ["from_second"] = 2 },
        });
        Assert.False(first.IsFinished);
        Assert.False(second.IsFinished);

        await client.DisposeAsync();

        // Both are unfinished: "on close, every unfinished interaction is flushed ... nothing a caller recorded is lost".
        var merged = ServerMerge.Merge(ServerMerge.Posts(api, "evt-dup"));
        Assert.Equal(["from_first", "from_second"], ServerMerge.UserKeys(merged));
    }

    [Fact]
    public async Task ResumeInteraction_by_id_returns_the_live_interaction()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "e", EventId = "evt-live" });
        var resumed = client.ResumeInteraction("evt-live");
        Assert.Same(interaction, resumed);

        resumed.SetProperty("via_resume", true);
        await interaction.FinishAsync(output: "o");
        await client.FlushAsync();
        var posts = ServerMerge.Posts(api, "evt-live");
        Assert.Single(posts, p => !(bool)p["is_pending"]!);
        var merged = ServerMerge.Merge(posts);
        Assert.True((bool)merged["properties"]!["via_resume"]!);
        Assert.Equal("u", (string?)merged["user_id"]);
    }

    [Fact]
    public async Task ResumeInteraction_for_an_unknown_id_finishes_with_the_id_and_the_new_fields_only()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var handle = client.ResumeInteraction("evt-from-elsewhere");
        Assert.Equal("evt-from-elsewhere", handle.EventId);
        Assert.Null(handle.UserId);
        Assert.Null(handle.Event);
        Assert.False(handle.IsFinished);

        handle.SetProperty("late", 1);
        await handle.FinishAsync(output: "the output");
        await client.FlushAsync();

        var post = Assert.Single(ServerMerge.Posts(api, "evt-from-elsewhere"));
        Assert.False((bool)post["is_pending"]!);
        Assert.Equal("the output", (string?)post["ai_data"]!["output"]);
        Assert.Equal(1, (int)post["properties"]!["late"]!);
        Assert.False(post.ContainsKey("user_id"), post.ToJsonString());
        Assert.False(post.ContainsKey("event"), post.ToJsonString());
        Assert.Null(post["ai_data"]!["input"]);
    }

    [Fact]
    public async Task Updates_and_a_second_finish_after_finish_are_ignored_and_send_nothing()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "e", EventId = "evt-twice" });
        await interaction.FinishAsync(output: "first", properties: new Dictionary<string, object?> { ["k"] = "v" });

        Assert.Null(Record.Exception(() => interaction.SetProperty("late", 1)));
        Assert.Null(Record.Exception(() => interaction.SetProperties(new Dictionary<string, object?> { ["late2"] = 2 })));
        Assert.Null(Record.Exception(() => interaction.AddAttachments(ServerMerge.Att("late"))));
        Assert.Null(Record.Exception(() => interaction.SetInput("late input")));
        Assert.Null(await Record.ExceptionAsync(() => interaction.FinishAsync(output: "second")));
        Assert.Null(Record.Exception(interaction.Dispose));
        Assert.Null(await Record.ExceptionAsync(async () => await interaction.DisposeAsync()));

        await client.FlushAsync();
        await Task.Delay(400); // past the quiet period: nothing else may appear
        await client.FlushAsync();

        var post = Assert.Single(ServerMerge.Posts(api, "evt-twice"));
        Assert.False((bool)post["is_pending"]!);
        Assert.Equal("first", (string?)post["ai_data"]!["output"]);
        Assert.Null(post["ai_data"]!["input"]);
        Assert.Equal(["k"], ServerMerge.UserKeys(post));
        Assert.Empty(post["attachments"]!.AsArray());
    }

    [Fact]
    public async Task Begin_without_UserId_throws_ArgumentException_naming_it()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var ex = Assert.ThrowsAny<ArgumentException>(() => client.Begin(new InteractionOptions { UserId = null!, Event = "e" }));
        Assert.Contains("UserId", ex.Message, StringComparison.Ordinal);
        ex = Assert.ThrowsAny<ArgumentException>(() => client.Begin(new InteractionOptions { UserId = "  ", Event = "e" }));
        Assert.Contains("UserId", ex.Message, StringComparison.Ordinal);
        Assert.Null(client.ResumeInteraction());
        await client.FlushAsync();
        Assert.Empty(api.Requests(Route));
    }

    [Fact]
    public async Task Begin_without_Event_throws_ArgumentException_naming_it()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var ex = Assert.ThrowsAny<ArgumentException>(() => client.Begin(new InteractionOptions { UserId = "u", Event = null! }));
        Assert.Contains("Event", ex.Message, StringComparison.Ordinal);
        ex = Assert.ThrowsAny<ArgumentException>(() => client.Begin(new InteractionOptions { UserId = "u", Event = "" }));
        Assert.Contains("Event", ex.Message, StringComparison.Ordinal);
        Assert.Null(client.ResumeInteraction());
        await client.FlushAsync();
        Assert.Empty(api.Requests(Route));
    }

    [Fact]
    public async Task FlushAsync_sends_pending_changes_immediately_as_pending()
    {
        using var api = new FakeApi();
        await using var client = api.Client(o => o.PartialFlushInterval = TimeSpan.FromSeconds(30));
        var interaction = client.Begin(new InteractionOptions
        {
            UserId = "u",
            Event = "e",
            EventId = "evt-flush",
            Properties = new Dictionary<string, object?> { ["a"] = 1 },
        });
        interaction.SetProperty("b", 2);

        await client.FlushAsync();
        var first = Assert.Single(ServerMerge.Posts(api, "evt-flush"));
        Assert.True((bool)first["is_pending"]!);
        Assert.Equal(["a", "b"], ServerMerge.UserKeys(first));
        Assert.Equal("u", (string?)first["user_id"]);

        // A flush with nothing new sends nothing; the next change goes out alone.
        await client.FlushAsync();
        Assert.Single(ServerMerge.Posts(api, "evt-flush"));
        interaction.SetProperty("c", 3);
        await client.FlushAsync();
        var posts = ServerMerge.Posts(api, "evt-flush");
        Assert.Equal(2, posts.Count);
        Assert.True((bool)posts[1]["is_pending"]!);
        Assert.Equal(["c"], ServerMerge.UserKeys(posts[1]));

        await interaction.FinishAsync(output: "o");
        await client.FlushAsync();
        posts = ServerMerge.Posts(api, "evt-flush");
        Assert.Equal(3, posts.Count);
        Assert.False((bool)posts[2]["is_pending"]!);
        Assert.Equal(["a", "b", "c"], ServerMerge.UserKeys(ServerMerge.Merge(posts)));
    }
}
