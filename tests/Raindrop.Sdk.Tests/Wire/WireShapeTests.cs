using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Wire;

/// <summary>Small helpers shared by the wire tests: header lookup, key sets, JSON comparison.</summary>
internal static class WireAssert
{
    public const int MaxBody = 1024 * 1024;

    public static readonly Regex UuidV4 = new("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", RegexOptions.CultureInvariant);

    public static readonly Regex TimestampFormat = new(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", RegexOptions.CultureInvariant);

    /// <summary>The values of a request header (case-insensitive name), or null when absent.</summary>
    public static string? Header(WireMock.Logging.ILogEntry entry, string name)
    {
        var headers = entry.RequestMessage.Headers;
        if (headers is null)
        {
            return null;
        }

        foreach (var (key, values) in headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return string.Join(", ", values);
            }
        }

        return null;
    }

    public static void Keys(JsonObject obj, params string[] expected)
    {
        var actual = obj.Select(p => p.Key).OrderBy(k => k, StringComparer.Ordinal).ToArray();
        Assert.Equal(expected.OrderBy(k => k, StringComparer.Ordinal).ToArray(), actual);
    }

    public static void JsonEqual(string expectedJson, JsonNode? actual)
    {
        var expected = JsonNode.Parse(expectedJson);
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected?.ToJsonString()}\nactual   {actual?.ToJsonString()}");
    }

    /// <summary>The caller's properties as they arrived, without the SDK's <c>$context</c>.</summary>
    public static JsonObject PropertiesWithoutContext(JsonObject item)
    {
        var copy = item["properties"]!.AsObject().DeepClone().AsObject();
        copy.Remove("$context");
        return copy;
    }

    public static JsonNode ParseBody(byte[] body) => JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = 4096 })!;

    public static void AllBodiesFit(FakeApi api, string route)
    {
        var bodies = api.Bodies(route);
        Assert.NotEmpty(bodies);
        foreach (var body in bodies)
        {
            Assert.True(body.Length <= MaxBody, $"a body of {body.Length} bytes was sent to {route}; the limit is {MaxBody}");
        }
    }
}

public class WireShapeTests
{
    [Fact]
    public async Task Track_ai_sends_every_field_in_the_documented_shape()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var element = JsonDocument.Parse("""{"a":[1,2.5,"x"],"b":null,"c":{"d":true}}""").RootElement.Clone();
        var node = JsonNode.Parse("""{"n":{"deep":[false,-3]}}""");
        var properties = new Dictionary<string, object?>
        {
            ["experiment"] = "a",
            ["int"] = 42,
            ["long"] = 9007199254740993L,
            ["double"] = 1.5,
            ["decimal"] = 12.34m,
            ["yes"] = true,
            ["no"] = false,
            ["nothing"] = null,
            ["list"] = new List<object?> { 1, "two", null, false, new Dictionary<string, object?> { ["k"] = "v" } },
            ["array"] = new object?[] { 3.25, "s" },
            ["nested"] = new Dictionary<string, object?>
            {
                ["inner"] = new Dictionary<string, object?> { ["x"] = 1, ["y"] = new List<object?> { "z" } },
                ["flag"] = true,
            },
            ["element"] = element,
            ["node"] = node,
            ["typedDict"] = new Dictionary<string, int> { ["one"] = 1, ["two"] = 2 },
            ["ints"] = new[] { 1, 2, 3 },
            ["strings"] = new[] { "a", "b" },
        };

        var id = client.TrackAi(new AiEvent
        {
            EventId = "evt-fixed-1",
            UserId = "user_123",
            Event = "chat_message",
            Input = "What is love?",
            Output = "Baby don't hurt me",
            Model = "gpt-4o",
            ConvoId = "convo_123",
            Timestamp = new DateTimeOffset(2026, 1, 2, 5, 4, 5, 678, TimeSpan.FromHours(2)),
            Properties = properties,
            Attachments =
            [
                new Attachment { Type = AttachmentType.Code, Role = AttachmentRole.Input, Value = "console.log('hello');", Name = "example.ts", Language = "typescript", AttachmentId = "att-1" },
                new Attachment { Type = AttachmentType.Text, Role = AttachmentRole.Output, Value = "plain" },
                new Attachment { Type = AttachmentType.Image, Role = AttachmentRole.Output, Value = "https://x/img.png", Name = "img" },
                new Attachment { Type = AttachmentType.Iframe, Role = AttachmentRole.Input, Value = "https://x/frame" },
            ],
        });
        await client.FlushAsync();

        Assert.Equal("evt-fixed-1", id);
        var item = Assert.Single(api.Items("events/track"));
        WireAssert.Keys(item, "event_id", "event", "user_id", "timestamp", "properties", "attachments", "ai_data");
        Assert.Equal("evt-fixed-1", (string?)item["event_id"]);
        Assert.Equal("chat_message", (string?)item["event"]);
        Assert.Equal("user_123", (string?)item["user_id"]);
        Assert.Equal("2026-01-02T03:04:05.678Z", (string?)item["timestamp"]);

        WireAssert.JsonEqual(
            """
            {"experiment":"a","int":42,"long":9007199254740993,"double":1.5,"decimal":12.34,"yes":true,"no":false,"nothing":null,
             "list":[1,"two",null,false,{"k":"v"}],"array":[3.25,"s"],
             "nested":{"inner":{"x":1,"y":["z"]},"flag":true},
             "element":{"a":[1,2.5,"x"],"b":null,"c":{"d":true}},
             "node":{"n":{"deep":[false,-3]}},
             "typedDict":{"one":1,"two":2},"ints":[1,2,3],"strings":["a","b"]}
            """,
            WireAssert.PropertiesWithoutContext(item));
        var raw = System.Text.Encoding.UTF8.GetString(Assert.Single(api.Bodies("events/track")));
        Assert.Contains("9007199254740993", raw, StringComparison.Ordinal); // an exact long, not a rounded double

        var context = item["properties"]!["$context"]!.AsObject();
        Assert.Equal("raindrop-dotnet", (string?)context["library"]!["name"]);
        Assert.False(string.IsNullOrEmpty((string?)context["library"]!["version"]));

        var attachments = item["attachments"]!.AsArray();
        Assert.Equal(4, attachments.Count);
        WireAssert.JsonEqual(
            """{"type":"code","role":"input","name":"example.ts","value":"console.log('hello');","language":"typescript","attachment_id":"att-1"}""",
            attachments[0]);
        WireAssert.JsonEqual("""{"type":"text","role":"output","value":"plain"}""", attachments[1]);
        WireAssert.JsonEqual("""{"type":"image","role":"output","value":"https://x/img.png","name":"img"}""", attachments[2]);
        WireAssert.JsonEqual("""{"type":"iframe","role":"input","value":"https://x/frame"}""", attachments[3]);

        WireAssert.JsonEqual(
            """{"model":"gpt-4o","input":"What is love?","output":"Baby don't hurt me","convo_id":"convo_123"}""",
            item["ai_data"]);
    }

    [Fact]
    public async Task Track_ai_sends_ai_fields_only_under_ai_data()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.TrackAi(new AiEvent { EventId = "in-only", UserId = "u", Event = "e", Input = "question" });
        client.TrackAi(new AiEvent { EventId = "out-only", UserId = "u", Event = "e", Output = "answer", Model = "m1" });
        client.TrackAi(new AiEvent { EventId = "all", UserId = "u", Event = "e", Input = "i", Output = "o", Model = "m", ConvoId = "c" });
        await client.FlushAsync();

        var items = api.Items("events/track").ToDictionary(i => (string)i["event_id"]!);
        Assert.Equal(3, items.Count);
        WireAssert.JsonEqual("""{"input":"question"}""", items["in-only"]["ai_data"]);
        WireAssert.JsonEqual("""{"output":"answer","model":"m1"}""", items["out-only"]["ai_data"]);
        WireAssert.JsonEqual("""{"input":"i","output":"o","model":"m","convo_id":"c"}""", items["all"]["ai_data"]);
        foreach (var item in items.Values)
        {
            foreach (var topLevel in new[] { "model", "input", "output", "convo_id", "is_pending" })
            {
                Assert.False(item.ContainsKey(topLevel), $"{topLevel} must not be a top-level key");
            }
        }
    }

    [Fact]
    public async Task Track_ai_with_a_non_utc_offset_sends_the_utc_time_with_milliseconds()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.TrackAi(new AiEvent
        {
            EventId = "tz",
            UserId = "u",
            Event = "e",
            Input = "i",
            Timestamp = new DateTimeOffset(2025, 12, 31, 20, 30, 0, 5, TimeSpan.FromHours(-5.5)), // 2026-01-01T02:00:00.005Z
        });
        await client.FlushAsync();

        var item = Assert.Single(api.Items("events/track"));
        Assert.Equal("2026-01-01T02:00:00.005Z", (string?)item["timestamp"]);
    }

    [Fact]
    public async Task Track_sends_no_ai_data_an_object_of_properties_and_an_empty_attachments_array()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.Track(new TrackEvent { EventId = "plain-1", UserId = "u1", Event = "signed_up" });
        client.Track(new TrackEvent
        {
            EventId = "plain-2",
            UserId = "u2",
            Event = "upgraded",
            Properties = new Dictionary<string, object?> { ["plan"] = "pro", ["seats"] = 3 },
            Attachments = [],
        });
        await client.FlushAsync();

        var items = api.Items("events/track").ToDictionary(i => (string)i["event_id"]!);
        Assert.Equal(2, items.Count);
        foreach (var item in items.Values)
        {
            WireAssert.Keys(item, "event_id", "event", "user_id", "timestamp", "properties", "attachments");
            Assert.IsType<JsonObject>(item["properties"]);
            Assert.Empty(Assert.IsType<JsonArray>(item["attachments"]));
            Assert.Equal("raindrop-dotnet", (string?)item["properties"]!["$context"]!["library"]!["name"]);
        }

        Assert.Equal("signed_up", (string?)items["plain-1"]["event"]);
        Assert.Equal("u1", (string?)items["plain-1"]["user_id"]);
        WireAssert.JsonEqual("{}", WireAssert.PropertiesWithoutContext(items["plain-1"]));
        WireAssert.JsonEqual("""{"plan":"pro","seats":3}""", WireAssert.PropertiesWithoutContext(items["plain-2"]));
    }

    [Fact]
    public async Task Generated_event_ids_are_lowercase_uuid_v4_and_are_what_arrives()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(client.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "i" + i }));
            ids.Add(client.Track(new TrackEvent { UserId = "u", Event = "e" }));
        }

        // An empty id counts as not given.
        ids.Add(client.Track(new TrackEvent { UserId = "u", Event = "e", EventId = string.Empty }));
        await client.FlushAsync();

        Assert.All(ids, id => Assert.Matches(WireAssert.UuidV4, id));
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        var arrived = api.Items("events/track").Select(i => (string)i["event_id"]!).ToList();
        Assert.Equal(ids.OrderBy(x => x, StringComparer.Ordinal), arrived.OrderBy(x => x, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_missing_timestamp_defaults_to_the_time_of_the_call()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var before = DateTimeOffset.UtcNow;
        client.TrackAi(new AiEvent { EventId = "now-ai", UserId = "u", Event = "e", Input = "i" });
        client.Track(new TrackEvent { EventId = "now-plain", UserId = "u", Event = "e" });
        var after = DateTimeOffset.UtcNow;
        await client.FlushAsync();

        // The wire keeps milliseconds: compare against the call window cut to the millisecond.
        var floor = new DateTimeOffset(before.Ticks - (before.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        var items = api.Items("events/track");
        Assert.Equal(2, items.Count);
        foreach (var item in items)
        {
            var text = (string)item["timestamp"]!;
            Assert.Matches(WireAssert.TimestampFormat, text);
            var ts = DateTimeOffset.ParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            Assert.InRange(ts, floor, after);
        }
    }

    [Fact]
    public async Task Track_signal_defaults_to_the_default_type_and_leaves_out_what_was_not_given()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.TrackSignal(new Signal { EventId = "evt_1", Name = "thumbs_up" });
        await client.FlushAsync();

        var signal = Assert.Single(api.Items("signals/track"));
        WireAssert.JsonEqual("""{"event_id":"evt_1","signal_name":"thumbs_up","signal_type":"default","properties":{}}""", signal);
    }

    [Fact]
    public async Task Track_signal_sends_the_documented_shape_with_comment_inside_properties()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.TrackSignal(new Signal
        {
            EventId = "evt_abc123",
            Name = "thumbs_down",
            Type = SignalType.Feedback,
            Sentiment = Sentiment.Negative,
            Timestamp = new DateTimeOffset(2026, 1, 2, 4, 4, 5, 9, TimeSpan.FromHours(1)),
            AttachmentId = "att-1",
            Comment = "Answer was off-topic",
            Properties = new Dictionary<string, object?> { ["location"] = "chat_ui" },
        });
        await client.FlushAsync();

        var signal = Assert.Single(api.Items("signals/track"));
        WireAssert.JsonEqual(
            """
            {"event_id":"evt_abc123","signal_name":"thumbs_down","signal_type":"feedback","sentiment":"NEGATIVE",
             "timestamp":"2026-01-02T03:04:05.009Z","attachment_id":"att-1",
             "properties":{"location":"chat_ui","comment":"Answer was off-topic"}}
            """,
            signal);
    }

    [Fact]
    public async Task Track_signal_sends_after_inside_properties_and_positive_sentiment_in_capitals()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.TrackSignal(new Signal { EventId = "evt_e", Name = "edited", Type = SignalType.Edit, After = "the edited text", Sentiment = Sentiment.Positive });
        await client.FlushAsync();

        var signal = Assert.Single(api.Items("signals/track"));
        WireAssert.Keys(signal, "event_id", "signal_name", "signal_type", "sentiment", "properties");
        Assert.Equal("edit", (string?)signal["signal_type"]);
        Assert.Equal("POSITIVE", (string?)signal["sentiment"]);
        WireAssert.JsonEqual("""{"after":"the edited text"}""", signal["properties"]);
        Assert.False(signal.ContainsKey("after"));
        Assert.False(signal.ContainsKey("comment"));
    }

    [Theory]
    [InlineData(SignalType.Default, "default")]
    [InlineData(SignalType.Feedback, "feedback")]
    [InlineData(SignalType.Edit, "edit")]
    [InlineData(SignalType.Standard, "standard")]
    [InlineData(SignalType.Agent, "agent")]
    [InlineData(SignalType.AgentInternal, "agent_internal")]
    public async Task Track_signal_sends_each_type_in_snake_case(SignalType type, string wire)
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.TrackSignal(new Signal { EventId = "evt", Name = "n", Type = type });
        await client.FlushAsync();

        var signal = Assert.Single(api.Items("signals/track"));
        Assert.Equal(wire, (string?)signal["signal_type"]);
        Assert.False(signal.ContainsKey("sentiment"));
    }

    [Fact]
    public async Task Identify_sends_user_id_and_traits_and_an_empty_object_when_traits_are_null()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.Identify("user123", new Dictionary<string, object?> { ["name"] = "Jane", ["plan"] = "paid", ["age"] = 30 });
        client.Identify("user456");
        await client.FlushAsync();

        var items = api.Items("users/identify").ToDictionary(i => (string)i["user_id"]!);
        Assert.Equal(2, items.Count);
        WireAssert.JsonEqual("""{"user_id":"user123","traits":{"name":"Jane","plan":"paid","age":30}}""", items["user123"]);
        WireAssert.JsonEqual("""{"user_id":"user456","traits":{}}""", items["user456"]);
    }

    [Fact]
    public async Task Batched_routes_receive_json_arrays()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "i" });
        client.TrackSignal(new Signal { EventId = "evt", Name = "n" });
        client.Identify("u");
        await client.FlushAsync();

        foreach (var route in new[] { "events/track", "signals/track", "users/identify" })
        {
            var bodies = api.Bodies(route);
            Assert.NotEmpty(bodies);
            Assert.All(bodies, b => Assert.IsType<JsonArray>(WireAssert.ParseBody(b)));
        }
    }

    [Fact]
    public async Task Every_request_carries_auth_content_type_user_agent_and_project_headers()
    {
        using var api = new FakeApi();
        await using var client = api.Client(o => o.ProjectId = "my-project-1");
        client.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "i" });
        client.TrackSignal(new Signal { EventId = "evt", Name = "n" });
        client.Identify("u");
        await client.FlushAsync();

        var requests = api.Requests("events/track").Concat(api.Requests("signals/track")).Concat(api.Requests("users/identify")).ToList();
        Assert.Equal(3, requests.Count);
        foreach (var entry in requests)
        {
            Assert.Equal("POST", entry.RequestMessage.Method);
            Assert.Equal("Bearer test-write-key", WireAssert.Header(entry, "Authorization"));
            Assert.StartsWith("application/json", WireAssert.Header(entry, "Content-Type") ?? string.Empty, StringComparison.OrdinalIgnoreCase);
            Assert.StartsWith("raindrop-dotnet/", WireAssert.Header(entry, "User-Agent") ?? string.Empty, StringComparison.Ordinal);
            Assert.Equal("my-project-1", WireAssert.Header(entry, "X-Raindrop-Project-Id"));
        }
    }

    [Fact]
    public async Task The_project_header_is_absent_when_no_project_id_is_set()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.Track(new TrackEvent { UserId = "u", Event = "e" });
        await client.FlushAsync();

        var entry = Assert.Single(api.Requests("events/track"));
        Assert.Null(WireAssert.Header(entry, "X-Raindrop-Project-Id"));
        Assert.Equal("Bearer test-write-key", WireAssert.Header(entry, "Authorization"));
    }

    [Fact]
    public async Task An_endpoint_without_a_trailing_slash_still_posts_to_v1_events_track()
    {
        using var api = new FakeApi();
        await using var client = api.Client(o => o.Endpoint = api.Server.Url + "/v1");
        client.Track(new TrackEvent { EventId = "slashless", UserId = "u", Event = "e" });
        await client.FlushAsync();

        var entry = Assert.Single(api.Server.LogEntries, e => e.RequestMessage.Path.Contains("events", StringComparison.Ordinal));
        Assert.Equal("/v1/events/track", entry.RequestMessage.Path);
        Assert.Equal("slashless", (string?)Assert.Single(api.Items("events/track"))["event_id"]);
    }

    [Fact]
    public async Task A_disabled_client_sends_nothing()
    {
        using var api = new FakeApi();
        var client = api.Client(o => o.Disabled = true);
        Assert.False(client.IsEnabled);
        var id = client.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "i" });
        client.Track(new TrackEvent { UserId = "u", Event = "e" });
        client.TrackSignal(new Signal { EventId = id, Name = "n" });
        client.Identify("u");
        await using (var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "e", Input = "i" }))
        {
            await interaction.FinishAsync("o");
        }

        await client.FlushAsync();
        await client.DisposeAsync();

        Assert.Matches(WireAssert.UuidV4, id);
        Assert.Empty(api.Server.LogEntries);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task A_missing_write_key_disables_the_client_without_throwing(string? writeKey)
    {
        using var api = new FakeApi();
        var client = api.Client(o => o.WriteKey = writeKey);
        Assert.False(client.IsEnabled);
        client.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "i" });
        client.Track(new TrackEvent { UserId = "u", Event = "e" });
        client.TrackSignal(new Signal { EventId = "evt", Name = "n" });
        client.Identify("u");
        await client.FlushAsync();
        await client.DisposeAsync();

        Assert.Empty(api.Server.LogEntries);
    }

    [Fact]
    public async Task The_three_batched_routes_are_independent()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.Track(new TrackEvent { EventId = "ev-1", UserId = "u", Event = "e" });
        client.TrackSignal(new Signal { EventId = "ev-1", Name = "sig" });
        client.TrackAi(new AiEvent { EventId = "ev-2", UserId = "u", Event = "e", Output = "o" });
        client.Identify("who");
        client.TrackSignal(new Signal { EventId = "ev-2", Name = "sig2" });
        await client.FlushAsync();

        var events = api.Items("events/track");
        var signals = api.Items("signals/track");
        var users = api.Items("users/identify");
        Assert.Equal(["ev-1", "ev-2"], events.Select(e => (string)e["event_id"]!).OrderBy(x => x, StringComparer.Ordinal));
        Assert.All(events, e => Assert.True(e.ContainsKey("event") && !e.ContainsKey("signal_name") && !e.ContainsKey("traits")));
        Assert.Equal(["sig", "sig2"], signals.Select(s => (string)s["signal_name"]!).OrderBy(x => x, StringComparer.Ordinal));
        Assert.All(signals, s => Assert.False(s.ContainsKey("event") || s.ContainsKey("traits")));
        Assert.Equal("who", (string?)Assert.Single(users)["user_id"]);
        Assert.Empty(api.Requests("events/track_partial"));
    }

    [Fact]
    public async Task Mutating_the_properties_dictionary_after_the_call_does_not_change_what_is_sent()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var properties = new Dictionary<string, object?> { ["a"] = "before", ["keep"] = 1 };
        client.TrackAi(new AiEvent { EventId = "mut", UserId = "u", Event = "e", Input = "i", Properties = properties });
        properties["a"] = "after";
        properties["b"] = "added later";
        properties.Remove("keep");

        var trackProps = new Dictionary<string, object?> { ["x"] = 1 };
        client.Track(new TrackEvent { EventId = "mut-plain", UserId = "u", Event = "e", Properties = trackProps });
        trackProps["x"] = 2;
        trackProps.Clear();
        await client.FlushAsync();

        var items = api.Items("events/track").ToDictionary(i => (string)i["event_id"]!);
        WireAssert.JsonEqual("""{"a":"before","keep":1}""", WireAssert.PropertiesWithoutContext(items["mut"]));
        WireAssert.JsonEqual("""{"x":1}""", WireAssert.PropertiesWithoutContext(items["mut-plain"]));
    }

    [Fact]
    public async Task Mutating_nested_signal_or_begin_properties_after_the_call_does_not_change_what_is_sent()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var nested = new Dictionary<string, object?> { ["tier"] = "gold" };
        var eventProps = new Dictionary<string, object?> { ["plan"] = nested };
        client.TrackAi(new AiEvent { EventId = "mut-nested", UserId = "u", Event = "e", Input = "i", Properties = eventProps });
        nested["tier"] = "changed";
        eventProps["later"] = true;

        var signalProps = new Dictionary<string, object?> { ["location"] = "chat_ui" };
        client.TrackSignal(new Signal { EventId = "mut-nested", Name = "thumbs_up", Properties = signalProps });
        signalProps["location"] = "changed";
        signalProps["later"] = true;

        var beginProps = new Dictionary<string, object?> { ["stage"] = "begin" };
        var interaction = client.Begin(new InteractionOptions { EventId = "mut-begin", UserId = "u", Event = "chat", Input = "hi", Properties = beginProps });
        beginProps["stage"] = "changed";
        beginProps["later"] = true;
        await interaction.FinishAsync(output: "done");
        await client.FlushAsync();

        WireAssert.JsonEqual("""{"plan":{"tier":"gold"}}""", WireAssert.PropertiesWithoutContext(Assert.Single(api.Items("events/track"))));
        WireAssert.JsonEqual("""{"location":"chat_ui"}""", Assert.Single(api.Items("signals/track"))["properties"]);
        var merged = Interactions.ServerMerge.Merge(Interactions.ServerMerge.Posts(api, "mut-begin"));
        WireAssert.JsonEqual("""{"stage":"begin"}""", merged["properties"]);
    }

    [Fact]
    public void The_write_key_never_appears_in_options_to_string()
    {
        const string Key = "sk_live_SUPERSECRET_0123456789";
        var options = new RaindropOptions { WriteKey = Key, ProjectId = "proj", Endpoint = "https://example.test/v1/" };
        var text = options.ToString();
        Assert.DoesNotContain(Key, text, StringComparison.Ordinal);
        Assert.DoesNotContain("SUPERSECRET", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_write_key_never_appears_in_an_exception_from_invalid_options()
    {
        const string Key = "sk_live_SUPERSECRET_0123456789";
        var invalid = new Action<RaindropOptions>[]
        {
            o => o.Endpoint = "not a url",
            o => o.Endpoint = "ftp://x",
            o => o.ProjectId = "Bad_Slug",
            o => o.BatchSize = 0,
            o => o.FlushInterval = TimeSpan.FromSeconds(-1),
            o => o.RequestTimeout = TimeSpan.FromSeconds(-1),
            o =>
            {
                o.Endpoint = "nope";
                o.ProjectId = "-x";
                o.MaxQueueSize = -1;
                o.CloseTimeout = TimeSpan.FromSeconds(-1);
            },
        };

        foreach (var configure in invalid)
        {
            var options = new RaindropOptions { WriteKey = Key };
            configure(options);
            var ex = Assert.ThrowsAny<ArgumentException>(() => new RaindropClient(options));
            Assert.DoesNotContain("SUPERSECRET", ex.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("SUPERSECRET", ex.ParamName ?? string.Empty, StringComparison.Ordinal);
            Assert.All(options.Validate(), e => Assert.DoesNotContain("SUPERSECRET", e, StringComparison.Ordinal));
        }
    }
}
