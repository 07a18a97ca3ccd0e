using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Wire;

public class ValidationTests
{
    private static void AssertNames(ArgumentException ex, string name)
    {
        Assert.True(
            string.Equals(ex.ParamName, name, StringComparison.Ordinal) || ex.Message.Contains(name, StringComparison.Ordinal),
            $"the exception names neither by ParamName ('{ex.ParamName}') nor message ('{ex.Message}') the parameter {name}");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Track_ai_without_a_user_id_throws_naming_it(string? userId)
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var ex = Assert.ThrowsAny<ArgumentException>(() => client.TrackAi(new AiEvent { UserId = userId!, Event = "e", Input = "i" }));
        AssertNames(ex, "UserId");
        await client.FlushAsync();
        Assert.Empty(api.Server.LogEntries);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Track_ai_without_an_event_name_throws_naming_it(string? name)
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var ex = Assert.ThrowsAny<ArgumentException>(() => client.TrackAi(new AiEvent { UserId = "u", Event = name!, Input = "i" }));
        AssertNames(ex, "Event");
        await client.FlushAsync();
        Assert.Empty(api.Server.LogEntries);
    }

    [Fact]
    public async Task Track_ai_with_neither_input_nor_output_throws_naming_them()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var ex = Assert.ThrowsAny<ArgumentException>(() => client.TrackAi(new AiEvent { UserId = "u", Event = "e", Model = "m" }));
        AssertNames(ex, "Input");
        Assert.Contains("Output", ex.Message, StringComparison.Ordinal);
        await client.FlushAsync();
        Assert.Empty(api.Server.LogEntries);
    }

    [Fact]
    public async Task Track_ai_with_only_an_output_is_accepted()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.TrackAi(new AiEvent { EventId = "out", UserId = "u", Event = "e", Output = "o" });
        await client.FlushAsync();
        Assert.Equal("out", (string?)Assert.Single(api.Items("events/track"))["event_id"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \t ")]
    public async Task Track_without_a_user_id_throws_naming_it(string? userId)
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var ex = Assert.ThrowsAny<ArgumentException>(() => client.Track(new TrackEvent { UserId = userId!, Event = "e" }));
        AssertNames(ex, "UserId");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    public async Task Track_without_an_event_name_throws_naming_it(string? name)
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var ex = Assert.ThrowsAny<ArgumentException>(() => client.Track(new TrackEvent { UserId = "u", Event = name! }));
        AssertNames(ex, "Event");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public async Task Track_signal_without_an_event_id_throws_naming_it(string? eventId)
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var ex = Assert.ThrowsAny<ArgumentException>(() => client.TrackSignal(new Signal { EventId = eventId!, Name = "n" }));
        AssertNames(ex, "EventId");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public async Task Track_signal_without_a_name_throws_naming_it(string? name)
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var ex = Assert.ThrowsAny<ArgumentException>(() => client.TrackSignal(new Signal { EventId = "evt", Name = name! }));
        AssertNames(ex, "Name");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public async Task Identify_without_a_user_id_throws_naming_it(string? userId)
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var ex = Assert.ThrowsAny<ArgumentException>(() => client.Identify(userId!));
        AssertNames(ex, "userId");
        await client.FlushAsync();
        Assert.Empty(api.Server.LogEntries);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public async Task Begin_without_a_user_id_throws_naming_it(string? userId)
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var ex = Assert.ThrowsAny<ArgumentException>(() => client.Begin(new InteractionOptions { UserId = userId!, Event = "e" }));
        AssertNames(ex, "UserId");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public async Task Begin_without_an_event_name_throws_naming_it(string? name)
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var ex = Assert.ThrowsAny<ArgumentException>(() => client.Begin(new InteractionOptions { UserId = "u", Event = name! }));
        AssertNames(ex, "Event");
    }

    [Fact]
    public async Task An_attachment_with_a_null_value_throws_naming_attachments_and_value()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        Attachment[] attachments = [new Attachment { Type = AttachmentType.Text, Role = AttachmentRole.Input, Value = null! }];

        var ai = Assert.ThrowsAny<ArgumentException>(() => client.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "i", Attachments = attachments }));
        AssertNames(ai, "Attachments");
        Assert.Contains("Value", ai.Message, StringComparison.Ordinal);

        var plain = Assert.ThrowsAny<ArgumentException>(() => client.Track(new TrackEvent { UserId = "u", Event = "e", Attachments = attachments }));
        AssertNames(plain, "Attachments");
        Assert.Contains("Value", plain.Message, StringComparison.Ordinal);

        var begin = Assert.ThrowsAny<ArgumentException>(() => client.Begin(new InteractionOptions { UserId = "u", Event = "e", Attachments = attachments }));
        AssertNames(begin, "Attachments");

        await client.FlushAsync();
        Assert.Empty(api.Server.LogEntries);
    }

    [Fact]
    public async Task Calls_after_dispose_do_not_throw_and_send_nothing()
    {
        using var api = new FakeApi();
        var client = api.Client();
        client.Track(new TrackEvent { EventId = "before-close", UserId = "u", Event = "e" });
        await client.DisposeAsync();
        Assert.Equal("before-close", (string?)Assert.Single(api.Items("events/track"))["event_id"]);
        var sentBefore = api.Server.LogEntries.Count;

        var id = client.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "i" });
        client.Track(new TrackEvent { EventId = "after-close", UserId = "u", Event = "e" });
        client.TrackSignal(new Signal { EventId = "before-close", Name = "n" });
        client.Identify("u", new Dictionary<string, object?> { ["a"] = 1 });
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "e", Input = "i" });
        interaction.SetProperty("k", "v");
        interaction.SetInput("again");
        await interaction.FinishAsync("o");
        await interaction.DisposeAsync();
        await client.FlushAsync();
        await client.DisposeAsync();

        Assert.False(string.IsNullOrEmpty(id));
        Assert.Equal(sentBefore, api.Server.LogEntries.Count);
        Assert.DoesNotContain(api.Items("events/track"), i => (string?)i["event_id"] == "after-close");
        Assert.Empty(api.Requests("signals/track"));
        Assert.Empty(api.Requests("users/identify"));
        Assert.Empty(api.Requests("events/track_partial"));
    }
}
