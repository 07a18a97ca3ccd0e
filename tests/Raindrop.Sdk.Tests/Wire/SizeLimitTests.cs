using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Wire;

public class SizeLimitTests
{
    private const string Marker = "...[truncated by raindrop]";

    private static void AssertNoLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            Assert.False(char.IsSurrogate(text[i]), $"lone surrogate U+{(int)text[i]:X4} at index {i}");
        }
    }

    [Fact]
    public async Task An_input_over_the_default_cap_arrives_as_exactly_one_million_chars_ending_with_the_marker()
    {
        var input = string.Create(2_000_000, 0, static (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)('a' + (i % 26));
            }
        });
        using var api = new FakeApi();
        await using var client = api.Client();
        Assert.Equal(1_000_000, api.Options().MaxTextFieldChars);
        client.TrackAi(new AiEvent { EventId = "big-input", UserId = "u", Event = "e", Input = input });
        await client.FlushAsync();

        WireAssert.AllBodiesFit(api, "events/track");
        var item = Assert.Single(api.Items("events/track"));
        Assert.Equal("big-input", (string?)item["event_id"]);
        var sent = (string)item["ai_data"]!["input"]!;
        Assert.Equal(1_000_000, sent.Length);
        Assert.EndsWith(Marker, sent, StringComparison.Ordinal);
        Assert.True(sent.AsSpan(0, 1_000_000 - Marker.Length).SequenceEqual(input.AsSpan(0, 1_000_000 - Marker.Length)), "the kept prefix is not the input's prefix");
    }

    [Fact]
    public async Task An_input_at_or_under_the_cap_is_sent_unchanged()
    {
        var input = new string('q', 1_000);
        using var api = new FakeApi();
        await using var client = api.Client(o => o.MaxTextFieldChars = 1_000);
        client.TrackAi(new AiEvent { EventId = "exact", UserId = "u", Event = "e", Input = input });
        await client.FlushAsync();

        Assert.Equal(input, (string?)Assert.Single(api.Items("events/track"))["ai_data"]!["input"]);
    }

    [Fact]
    public async Task A_cut_that_would_split_a_surrogate_pair_keeps_no_lone_surrogate_and_the_exact_length()
    {
        const int Cap = 100_000;

        // "a" then emoji: high surrogates sit at odd indices, so the cut before the marker (at Cap - marker length,
        // an even number) would keep a high surrogate without its low half.
        var sb = new StringBuilder("a");
        while (sb.Length < 3 * Cap)
        {
            sb.Append("😀");
        }

        var input = sb.ToString();
        Assert.True(char.IsHighSurrogate(input[Cap - Marker.Length - 1]), "test setup: the naive cut must split a pair");
        using var api = new FakeApi();
        await using var client = api.Client(o => o.MaxTextFieldChars = Cap);
        client.TrackAi(new AiEvent { EventId = "emoji-cut", UserId = "u", Event = "e", Input = input, Output = input[1..] });
        await client.FlushAsync();

        var item = Assert.Single(api.Items("events/track"));
        foreach (var field in new[] { "input", "output" })
        {
            var sent = (string)item["ai_data"]![field]!;
            Assert.Equal(Cap, sent.Length);
            Assert.EndsWith(Marker, sent, StringComparison.Ordinal);
            AssertNoLoneSurrogate(sent);
            Assert.DoesNotContain('\uFFFD', sent);
        }
    }

    [Fact]
    public async Task An_emoji_input_over_one_mebibyte_after_the_cap_is_shrunk_to_fit_without_lone_surrogates()
    {
        var sb = new StringBuilder("a");
        while (sb.Length < 2_000_000)
        {
            sb.Append("😀");
        }

        using var api = new FakeApi();
        await using var client = api.Client();
        client.TrackAi(new AiEvent { EventId = "emoji-big", UserId = "u", Event = "e", Input = sb.ToString() });
        await client.FlushAsync();

        WireAssert.AllBodiesFit(api, "events/track");
        var item = Assert.Single(api.Items("events/track"));
        Assert.Equal("emoji-big", (string?)item["event_id"]);
        var sent = (string)item["ai_data"]!["input"]!;
        Assert.EndsWith(Marker, sent, StringComparison.Ordinal);
        Assert.True(sent.Length < 1_000_000);
        AssertNoLoneSurrogate(sent);
        Assert.DoesNotContain('\uFFFD', sent);
    }

    [Fact]
    public async Task An_event_with_a_one_and_a_half_megabyte_property_is_shrunk_and_delivered()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.Track(new TrackEvent
        {
            EventId = "big-prop",
            UserId = "u",
            Event = "e",
            Properties = new Dictionary<string, object?> { ["big"] = new string('x', 1_500_000), ["small"] = "kept", ["n"] = 5 },
        });
        await client.FlushAsync();

        WireAssert.AllBodiesFit(api, "events/track");
        var item = Assert.Single(api.Items("events/track"));
        Assert.Equal("big-prop", (string?)item["event_id"]);
        Assert.Equal("u", (string?)item["user_id"]);
        var big = (string)item["properties"]!["big"]!;
        Assert.EndsWith(Marker, big, StringComparison.Ordinal);
        Assert.StartsWith("xxxxxxxx", big, StringComparison.Ordinal);
        Assert.Equal("kept", (string?)item["properties"]!["small"]);
        Assert.Equal(5, (int?)item["properties"]!["n"]);
    }

    [Fact]
    public async Task An_event_with_twenty_thousand_properties_over_one_mebibyte_is_delivered()
    {
        var properties = new Dictionary<string, object?>();
        for (var i = 0; i < 20_000; i++)
        {
            properties["p" + i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture)] = new string((char)('a' + (i % 26)), 100);
        }

        using var api = new FakeApi();
        await using var client = api.Client();
        client.TrackAi(new AiEvent { EventId = "many-props", UserId = "u", Event = "e", Input = "i", Properties = properties });
        await client.FlushAsync();

        WireAssert.AllBodiesFit(api, "events/track");
        var item = Assert.Single(api.Items("events/track"));
        Assert.Equal("many-props", (string?)item["event_id"]);
        Assert.Equal("i", (string?)item["ai_data"]!["input"]);
        Assert.IsType<JsonObject>(item["properties"]);
    }

    [Fact]
    public async Task An_event_with_a_two_megabyte_attachment_is_shrunk_and_delivered()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.TrackAi(new AiEvent
        {
            EventId = "big-att",
            UserId = "u",
            Event = "e",
            Output = "o",
            Attachments = [new Attachment { Type = AttachmentType.Code, Role = AttachmentRole.Output, Value = new string('y', 2_000_000), Name = "big.txt", Language = "text" }],
        });
        await client.FlushAsync();

        WireAssert.AllBodiesFit(api, "events/track");
        var item = Assert.Single(api.Items("events/track"));
        Assert.Equal("big-att", (string?)item["event_id"]);
        var attachment = Assert.Single(item["attachments"]!.AsArray())!;
        Assert.Equal("code", (string?)attachment["type"]);
        Assert.Equal("output", (string?)attachment["role"]);
        Assert.Equal("big.txt", (string?)attachment["name"]);
        Assert.EndsWith(Marker, (string)attachment["value"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Properties_nested_two_hundred_deep_are_sent_whole()
    {
        object? leaf = "bottom";
        for (var i = 0; i < 200; i++)
        {
            leaf = new Dictionary<string, object?> { ["d"] = leaf };
        }

        using var api = new FakeApi();
        await using var client = api.Client();
        client.Track(new TrackEvent { EventId = "deep-200", UserId = "u", Event = "e", Properties = new Dictionary<string, object?> { ["deep"] = leaf } });
        await client.FlushAsync();

        WireAssert.AllBodiesFit(api, "events/track");
        var item = Assert.Single(api.Items("events/track"));
        Assert.Equal("deep-200", (string?)item["event_id"]);
        var node = item["properties"]!["deep"];
        for (var i = 0; i < 200; i++)
        {
            node = Assert.IsType<JsonObject>(node)["d"];
        }

        Assert.Equal("bottom", (string?)node);
    }

    [Fact]
    public async Task Properties_nested_two_thousand_deep_do_not_throw_and_the_event_arrives()
    {
        object? dictLeaf = "bottom";
        object? listLeaf = "bottom";
        for (var i = 0; i < 2_000; i++)
        {
            dictLeaf = new Dictionary<string, object?> { ["d"] = dictLeaf };
            listLeaf = new List<object?> { listLeaf };
        }

        var deepJson = string.Concat(Enumerable.Repeat("{\"d\":", 2_000)) + "1" + new string('}', 2_000);
        var element = JsonDocument.Parse(deepJson, new JsonDocumentOptions { MaxDepth = 5_000 }).RootElement.Clone();

        using var api = new FakeApi();
        await using var client = api.Client();
        var id = client.Track(new TrackEvent
        {
            EventId = "deep-2000",
            UserId = "u",
            Event = "e",
            Properties = new Dictionary<string, object?> { ["deep"] = dictLeaf, ["deepList"] = listLeaf, ["deepElement"] = element, ["shallow"] = "kept" },
        });
        client.Track(new TrackEvent { EventId = "after-deep", UserId = "u", Event = "e" });
        await client.FlushAsync();

        Assert.Equal("deep-2000", id);
        var items = api.Items("events/track").ToDictionary(i => (string)i["event_id"]!);
        Assert.Equal(2, items.Count);
        Assert.Equal("kept", (string?)items["deep-2000"]["properties"]!["shallow"]);
        Assert.IsType<JsonObject>(items["deep-2000"]["properties"]!["deep"]);
        Assert.IsType<JsonArray>(items["deep-2000"]["properties"]!["deepList"]);
        Assert.IsType<JsonObject>(items["deep-2000"]["properties"]!["deepElement"]);
    }

    [Fact]
    public async Task A_json_node_nested_two_thousand_deep_does_not_throw_and_the_event_arrives()
    {
        JsonNode node = JsonValue.Create("bottom");
        for (var i = 0; i < 2_000; i++)
        {
            node = new JsonObject { ["d"] = node };
        }

        using var api = new FakeApi();
        await using var client = api.Client();
        var thrown = Record.Exception(() => client.Track(new TrackEvent
        {
            EventId = "deep-node",
            UserId = "u",
            Event = "e",
            Properties = new Dictionary<string, object?> { ["deep"] = node, ["shallow"] = "kept" },
        }));
        Assert.Null(thrown);
        await client.FlushAsync();

        var item = Assert.Single(api.Items("events/track"));
        Assert.Equal("deep-node", (string?)item["event_id"]);
        Assert.Equal("kept", (string?)item["properties"]!["shallow"]);
        Assert.IsType<JsonObject>(item["properties"]!["deep"]);
    }

    [Fact]
    public async Task A_signal_and_an_identify_over_one_mebibyte_are_shrunk_and_delivered()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.TrackSignal(new Signal { EventId = "evt-big", Name = "feedback", Type = SignalType.Feedback, Comment = new string('c', 2_000_000) });
        client.Identify("big-user", new Dictionary<string, object?> { ["bio"] = new string('b', 2_000_000), ["plan"] = "paid" });
        await client.FlushAsync();

        WireAssert.AllBodiesFit(api, "signals/track");
        WireAssert.AllBodiesFit(api, "users/identify");
        var signal = Assert.Single(api.Items("signals/track"));
        Assert.Equal("evt-big", (string?)signal["event_id"]);
        Assert.EndsWith(Marker, (string)signal["properties"]!["comment"]!, StringComparison.Ordinal);
        var user = Assert.Single(api.Items("users/identify"));
        Assert.Equal("big-user", (string?)user["user_id"]);
        Assert.EndsWith(Marker, (string)user["traits"]!["bio"]!, StringComparison.Ordinal);
        Assert.Equal("paid", (string?)user["traits"]!["plan"]);
    }

    [Fact]
    public async Task Thirty_events_of_two_hundred_kilobytes_are_split_into_bodies_under_one_mebibyte_and_each_arrives_once()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var ids = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            ids.Add(client.Track(new TrackEvent
            {
                EventId = "blob-" + i,
                UserId = "u",
                Event = "e",
                Properties = new Dictionary<string, object?> { ["blob"] = new string((char)('a' + (i % 26)), 200_000) },
            }));
        }

        await client.FlushAsync();

        var bodies = api.Bodies("events/track");
        Assert.True(bodies.Count >= 6, $"6 MB must need at least 6 bodies of 1 MiB; got {bodies.Count}");
        WireAssert.AllBodiesFit(api, "events/track");
        var items = api.Items("events/track");
        Assert.Equal(30, items.Count);
        Assert.Equal(ids.OrderBy(x => x, StringComparer.Ordinal), items.Select(i => (string)i["event_id"]!).OrderBy(x => x, StringComparer.Ordinal));
        foreach (var item in items)
        {
            var i = int.Parse(((string)item["event_id"]!)["blob-".Length..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(new string((char)('a' + (i % 26)), 200_000), (string?)item["properties"]!["blob"]);
        }
    }
}
