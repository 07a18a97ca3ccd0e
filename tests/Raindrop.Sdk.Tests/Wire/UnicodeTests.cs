using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Wire;

public class UnicodeTests
{
    public static TheoryData<string, string> Texts => new()
    {
        { "emoji", "Hi 😀👍🏽 family 👨‍👩‍👧‍👦 flag 🇯🇵" },
        { "arabic", "مرحبا بالعالم، كيف حالك؟" },
        { "hebrew", "שלום עולם, מה שלומך?" },
        { "mixed_rtl", "abc مرحبا 123 שלום xyz" },
        { "surrogate_pairs", "𝄞 music, 𠜎𠜱 CJK ext B, 🜁 alchemy" },
        { "line_separators", "line\u2028separator\u2029paragraph" },
        { "combining", "e\u0301 n\u0303 a\u030A Z\u0335\u0321\u0334 ก\u0e34\u0e4c" },
        { "cjk_and_bmp", "日本語テキスト 中文 한국어 ∑∫√ ©®™ ½" },
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public async Task Unicode_text_round_trips_as_raw_utf8_in_every_string_field(string label, string text)
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.TrackAi(new AiEvent
        {
            EventId = "uni-" + label,
            UserId = "user " + text,
            Event = "event " + text,
            Input = text,
            Output = text + " out",
            Model = "model " + text,
            ConvoId = "convo " + text,
            Properties = new Dictionary<string, object?>
            {
                ["value"] = text,
                ["key " + text] = 1,
                ["nested"] = new Dictionary<string, object?> { ["list"] = new List<object?> { text } },
                ["node"] = JsonValue.Create(text),
            },
            Attachments = [new Attachment { Type = AttachmentType.Text, Role = AttachmentRole.Input, Value = text, Name = text, Language = text }],
        });
        client.TrackSignal(new Signal { EventId = "uni-" + label, Name = "sig", Type = SignalType.Feedback, Comment = text });
        client.Identify("user " + text, new Dictionary<string, object?> { ["bio"] = text });
        await client.FlushAsync();

        var utf8 = Encoding.UTF8.GetBytes(text);
        foreach (var route in new[] { "events/track", "signals/track", "users/identify" })
        {
            var body = Assert.Single(api.Bodies(route));
            Assert.True(body.AsSpan().IndexOf(utf8) >= 0, $"{route}: the raw body does not contain the UTF-8 bytes of the {label} text");
            var raw = Encoding.UTF8.GetString(body);
            Assert.DoesNotContain("\\u", raw, StringComparison.Ordinal);
        }

        var item = Assert.Single(api.Items("events/track"));
        Assert.Equal("user " + text, (string?)item["user_id"]);
        Assert.Equal("event " + text, (string?)item["event"]);
        Assert.Equal(text, (string?)item["ai_data"]!["input"]);
        Assert.Equal(text + " out", (string?)item["ai_data"]!["output"]);
        Assert.Equal("model " + text, (string?)item["ai_data"]!["model"]);
        Assert.Equal("convo " + text, (string?)item["ai_data"]!["convo_id"]);
        Assert.Equal(text, (string?)item["properties"]!["value"]);
        Assert.Equal(1, (int?)item["properties"]!["key " + text]);
        Assert.Equal(text, (string?)item["properties"]!["nested"]!["list"]![0]);
        Assert.Equal(text, (string?)item["properties"]!["node"]);
        var attachment = item["attachments"]![0]!;
        Assert.Equal(text, (string?)attachment["value"]);
        Assert.Equal(text, (string?)attachment["name"]);
        Assert.Equal(text, (string?)attachment["language"]);

        Assert.Equal(text, (string?)Assert.Single(api.Items("signals/track"))["properties"]!["comment"]);
        var user = Assert.Single(api.Items("users/identify"));
        Assert.Equal("user " + text, (string?)user["user_id"]);
        Assert.Equal(text, (string?)user["traits"]!["bio"]);
    }

    [Fact]
    public async Task U2028_and_U2029_are_sent_as_raw_utf8_not_escaped()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.TrackAi(new AiEvent { EventId = "ls", UserId = "u", Event = "e", Input = "a\u2028b\u2029c" });
        await client.FlushAsync();

        var body = Assert.Single(api.Bodies("events/track"));
        Assert.True(body.AsSpan().IndexOf(new byte[] { (byte)'a', 0xE2, 0x80, 0xA8, (byte)'b', 0xE2, 0x80, 0xA9, (byte)'c' }) >= 0);
        var raw = Encoding.UTF8.GetString(body);
        Assert.DoesNotContain("\\u2028", raw, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\\u2029", raw, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Control_characters_are_escaped_and_parse_back_equal()
    {
        const string Text = "a\u0001b\nc\td\re\u001Ff\"g\\h\u0000i";
        using var api = new FakeApi();
        await using var client = api.Client();
        client.TrackAi(new AiEvent
        {
            EventId = "ctl",
            UserId = "u",
            Event = "e",
            Input = Text,
            Properties = new Dictionary<string, object?> { ["ctl"] = Text, ["key\n\t\u0001"] = "v" },
            Attachments = [new Attachment { Type = AttachmentType.Code, Role = AttachmentRole.Input, Value = Text }],
        });
        client.TrackSignal(new Signal { EventId = "ctl", Name = "s", Comment = Text });
        client.Identify("u", new Dictionary<string, object?> { ["t"] = Text });
        await client.FlushAsync();

        foreach (var route in new[] { "events/track", "signals/track", "users/identify" })
        {
            var body = Assert.Single(api.Bodies(route));
            foreach (var b in body)
            {
                Assert.True(b >= 0x20, $"{route}: raw control byte 0x{b:X2} in the body; control characters must be escaped");
            }
        }

        var item = Assert.Single(api.Items("events/track"));
        Assert.Equal(Text, (string?)item["ai_data"]!["input"]);
        Assert.Equal(Text, (string?)item["properties"]!["ctl"]);
        Assert.Equal("v", (string?)item["properties"]!["key\n\t\u0001"]);
        Assert.Equal(Text, (string?)item["attachments"]![0]!["value"]);
        Assert.Equal(Text, (string?)Assert.Single(api.Items("signals/track"))["properties"]!["comment"]);
        Assert.Equal(Text, (string?)Assert.Single(api.Items("users/identify"))["traits"]!["t"]);
    }

    [Fact]
    public async Task A_lone_surrogate_becomes_a_replacement_character_and_the_rest_of_the_event_arrives()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.TrackAi(new AiEvent
        {
            EventId = "lone",
            UserId = "user\uD800x",
            Event = "ev\uDC00",
            Input = "ok\uD800end",
            Output = "tail\uD83D",
            Model = "m\uDE00",
            ConvoId = "c1",
            Properties = new Dictionary<string, object?>
            {
                ["value"] = "x\uDC00y",
                ["k\uD83D"] = "key had a lone high surrogate",
                ["list"] = new List<object?> { "\uDFFF", "fine 😀" },
                ["node"] = JsonValue.Create("n\uD800"),
                ["other"] = 7,
            },
            Attachments = [new Attachment { Type = AttachmentType.Text, Role = AttachmentRole.Output, Value = "att\uD800", Name = "nm\uDC00" }],
        });
        client.TrackSignal(new Signal { EventId = "lone", Name = "s\uD800", Comment = "c\uDC00" });
        client.Identify("id\uD800", new Dictionary<string, object?> { ["t\uDC00"] = "v\uD800" });
        await client.FlushAsync();

        var item = Assert.Single(api.Items("events/track"));
        Assert.Equal("lone", (string?)item["event_id"]);
        Assert.Equal("user\uFFFDx", (string?)item["user_id"]);
        Assert.Equal("ev\uFFFD", (string?)item["event"]);
        Assert.Equal("ok\uFFFDend", (string?)item["ai_data"]!["input"]);
        Assert.Equal("tail\uFFFD", (string?)item["ai_data"]!["output"]);
        Assert.Equal("m\uFFFD", (string?)item["ai_data"]!["model"]);
        Assert.Equal("c1", (string?)item["ai_data"]!["convo_id"]);
        var props = item["properties"]!.AsObject();
        Assert.Equal("x\uFFFDy", (string?)props["value"]);
        Assert.Equal("key had a lone high surrogate", (string?)props["k\uFFFD"]);
        Assert.Equal("\uFFFD", (string?)props["list"]![0]);
        Assert.Equal("fine 😀", (string?)props["list"]![1]);
        Assert.Equal("n\uFFFD", (string?)props["node"]);
        Assert.Equal(7, (int?)props["other"]);
        Assert.Equal("att\uFFFD", (string?)item["attachments"]![0]!["value"]);
        Assert.Equal("nm\uFFFD", (string?)item["attachments"]![0]!["name"]);

        var signal = Assert.Single(api.Items("signals/track"));
        Assert.Equal("s\uFFFD", (string?)signal["signal_name"]);
        Assert.Equal("c\uFFFD", (string?)signal["properties"]!["comment"]);
        var user = Assert.Single(api.Items("users/identify"));
        Assert.Equal("id\uFFFD", (string?)user["user_id"]);
        Assert.Equal("v\uFFFD", (string?)user["traits"]!["t\uFFFD"]);
    }

    [Fact]
    public async Task A_lone_surrogate_in_a_json_node_key_becomes_a_replacement_character()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var value = new JsonObject { ["bad\uD800"] = 1, ["good"] = 2 };
        client.Track(new TrackEvent
        {
            EventId = "lone-node-key",
            UserId = "u",
            Event = "e",
            Properties = new Dictionary<string, object?> { ["node"] = value, ["sibling"] = "kept" },
        });
        await client.FlushAsync();

        var item = Assert.Single(api.Items("events/track"));
        Assert.Equal("lone-node-key", (string?)item["event_id"]);
        Assert.Equal("kept", (string?)item["properties"]!["sibling"]);
        Assert.Equal(2, (int?)item["properties"]!["node"]!["good"]);
        var node = item["properties"]!["node"]!.AsObject();
        Assert.Equal(2, node.Count);
        Assert.Equal(1, (int?)node["bad\uFFFD"]);
    }

    [Fact]
    public async Task A_lone_surrogate_in_a_json_node_key_does_not_merge_with_a_sibling_key()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.Track(new TrackEvent
        {
            EventId = "lone-node-dup",
            UserId = "u",
            Event = "e",
            Properties = new Dictionary<string, object?> { ["node"] = new JsonObject { ["bad\uD800"] = 1, ["bad"] = 2 } },
        });
        await client.FlushAsync();

        // A key that loses its lone surrogate becomes "bad" too: the object would carry a duplicate key.
        var raw = Encoding.UTF8.GetString(Assert.Single(api.Bodies("events/track")));
        Assert.DoesNotContain("\"bad\":1,\"bad\":2", raw, StringComparison.Ordinal);
        var node = Assert.Single(api.Items("events/track"))["properties"]!["node"]!.AsObject();
        Assert.Equal(1, (int?)node["bad\uFFFD"]);
        Assert.Equal(2, (int?)node["bad"]);
    }

    [Fact]
    public async Task A_json_element_string_with_an_escaped_lone_surrogate_does_not_throw_into_the_caller()
    {
        // JsonDocument accepts an escaped lone surrogate; JsonElement.GetString() then throws.
        var element = JsonDocument.Parse("\"v\\uDC00\"").RootElement.Clone();
        using var api = new FakeApi();
        await using var client = api.Client();
        var properties = new Dictionary<string, object?> { ["el"] = element, ["sibling"] = "kept" };

        var thrown = Record.Exception(() =>
        {
            client.Track(new TrackEvent { EventId = "el-str", UserId = "u", Event = "e", Properties = properties });
            client.TrackAi(new AiEvent { EventId = "el-str-ai", UserId = "u", Event = "e", Input = "i", Properties = properties });
            client.Identify("el-user", properties);
            client.TrackSignal(new Signal { EventId = "el-str", Name = "s", Properties = properties });
        });
        Assert.Null(thrown);
        await client.FlushAsync();

        var items = api.Items("events/track").ToDictionary(i => (string)i["event_id"]!);
        foreach (var id in new[] { "el-str", "el-str-ai" })
        {
            Assert.Equal("v\uFFFD", (string?)items[id]["properties"]!["el"]);
            Assert.Equal("kept", (string?)items[id]["properties"]!["sibling"]);
        }

        Assert.Equal("v\uFFFD", (string?)Assert.Single(api.Items("users/identify"))["traits"]!["el"]);
        Assert.Equal("v\uFFFD", (string?)Assert.Single(api.Items("signals/track"))["properties"]!["el"]);
    }

    [Fact]
    public async Task A_json_element_object_with_an_escaped_lone_surrogate_keeps_the_other_properties()
    {
        var element = JsonDocument.Parse("{\"k\\uD800\":\"v\\uDC00\",\"ok\":1}").RootElement.Clone();
        using var api = new FakeApi();
        await using var client = api.Client();
        client.Track(new TrackEvent
        {
            EventId = "el-obj",
            UserId = "u",
            Event = "e",
            Properties = new Dictionary<string, object?> { ["el"] = element, ["sibling"] = "kept" },
        });
        await client.FlushAsync();

        var props = Assert.Single(api.Items("events/track"))["properties"]!.AsObject();
        Assert.False(props.ContainsKey("$raindrop_truncated"), "all properties were left out: " + props.ToJsonString());
        Assert.Equal("kept", (string?)props["sibling"]);
        Assert.Equal(1, (int?)props["el"]!["ok"]);
        Assert.Equal("v\uFFFD", (string?)props["el"]!["k\uFFFD"]);
    }
}
