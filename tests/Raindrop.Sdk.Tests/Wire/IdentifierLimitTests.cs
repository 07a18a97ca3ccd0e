using Microsoft.Extensions.Logging;
using System.Text.Json.Nodes;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Wire;

/// <summary>
/// WIRE.md §2: identifiers and property keys over 1,024 characters are cut to 1,024 ending in the marker, no request
/// is ever over 1 MiB whatever the app passed, and an app property named <c>$context</c> is merged into the SDK's.
/// </summary>
public sealed class IdentifierLimitTests
{
    private const string Marker = "...[truncated by raindrop]";
    private const int MiB = 1024 * 1024;

    private static string Huge(char c) => new(c, 2_000_000);

    private static void AssertCut(JsonNode? value, char c)
    {
        var text = (string?)value;
        Assert.NotNull(text);
        Assert.Equal(1024, text!.Length);
        Assert.EndsWith(Marker, text, StringComparison.Ordinal);
        Assert.Equal(new string(c, 1024 - Marker.Length), text[..^Marker.Length]);
    }

    [Fact]
    public async Task Two_million_character_identifiers_are_cut_to_1024_and_no_request_is_over_1_MiB()
    {
        using var api = new FakeApi();
        var logs = new Delivery.CapturingLoggerProvider();
        using var factory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(logs));
        await using var client = api.Client(o => o.LoggerFactory = factory);

        client.TrackAi(new AiEvent { UserId = Huge('u'), Event = Huge('e'), ConvoId = Huge('c'), Input = "hi", EventId = "ai-1" });
        client.Track(new TrackEvent { UserId = "u", Event = "e", EventId = Huge('i') });
        client.TrackSignal(new Signal { EventId = "ai-1", Name = Huge('s') });
        client.Identify(Huge('p'), new Dictionary<string, object?> { ["plan"] = "paid" });
        await using (var interaction = client.Begin(new InteractionOptions { UserId = Huge('q'), Event = "chat", EventId = "int-1", Input = "x" }))
        {
        }

        Assert.True(await client.FlushAsync());

        foreach (var route in new[] { "events/track", "signals/track", "users/identify", "events/track_partial" })
        {
            Assert.All(api.Bodies(route), b => Assert.True(b.Length <= MiB, $"{route}: {b.Length} bytes"));
        }

        var ai = api.Items("events/track").Single(i => (string?)i["event_id"] == "ai-1");
        AssertCut(ai["user_id"], 'u');
        AssertCut(ai["event"], 'e');
        AssertCut(ai["ai_data"]!["convo_id"], 'c');
        AssertCut(api.Items("events/track").Single(i => (string?)i["event_id"] != "ai-1")["event_id"], 'i');
        AssertCut(api.Items("signals/track").Single()["signal_name"], 's');
        AssertCut(api.Items("users/identify").Single()["user_id"], 'p');
        Assert.Equal("paid", (string?)api.Items("users/identify").Single()["traits"]!["plan"]);
        AssertCut(api.Items("events/track_partial").First(i => (string?)i["event_id"] == "int-1")["user_id"], 'q');

        // Nothing had to be shrunk to fit once the identifiers were cut: no log line may claim otherwise.
        Assert.DoesNotContain(logs.Records, r => r.Message.Contains("shrunk", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_two_million_character_property_key_is_cut_and_the_other_properties_are_kept()
    {
        using var api = new FakeApi();
        var logs = new Delivery.CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        await using var client = api.Client(o => o.LoggerFactory = factory);

        client.Track(new TrackEvent
        {
            UserId = "u",
            Event = "e",
            Properties = new Dictionary<string, object?> { [Huge('k')] = "v", ["plan"] = "paid", ["nested"] = new Dictionary<string, object?> { [Huge('n')] = 1 } },
        });
        Assert.True(await client.FlushAsync());

        Assert.All(api.Bodies("events/track"), b => Assert.True(b.Length <= MiB));
        var properties = api.Items("events/track").Single()["properties"]!.AsObject();
        Assert.Equal("paid", (string?)properties["plan"]);
        var key = properties.Select(p => p.Key).Single(k => k.StartsWith('k'));
        Assert.Equal(1024, key.Length);
        Assert.EndsWith(Marker, key, StringComparison.Ordinal);
        Assert.Equal(1024, properties["nested"]!.AsObject().Single().Key.Length);
        Assert.Contains(logs.Records, r => r.Level == LogLevel.Warning && r.Message.Contains("property key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_app_property_named_context_is_merged_into_the_sdks()
    {
        using var api = new FakeApi();
        await using var client = api.Client();

        client.Track(new TrackEvent
        {
            UserId = "u",
            Event = "e",
            Properties = new Dictionary<string, object?>
            {
                ["$context"] = new Dictionary<string, object?> { ["app"] = "mine", ["library"] = "fake", ["metadata"] = 1 },
                ["plan"] = "paid",
            },
        });
        Assert.True(await client.FlushAsync());

        var context = api.Items("events/track").Single()["properties"]!["$context"]!.AsObject();
        Assert.Equal("mine", (string?)context["app"]);
        Assert.Equal("raindrop-dotnet", (string?)context["library"]!["name"]);
        Assert.NotNull(context["metadata"]!["dotnet"]);
        Assert.Equal("paid", (string?)api.Items("events/track").Single()["properties"]!["plan"]);
    }
}
