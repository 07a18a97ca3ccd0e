using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Privacy;

public class RedactionPipelineTests
{
    [Fact]
    public async Task RedactPii_redacts_ai_input_and_output_of_events_and_interactions_but_not_properties()
    {
        using var api = new FakeApi();
        await using (var client = api.Client(o => o.RedactPii = true))
        {
            client.TrackAi(new AiEvent
            {
                UserId = "u",
                Event = "e",
                EventId = "ev",
                Input = "mail me at ada@example.com",
                Output = "call 555-123-4567",
                Properties = new Dictionary<string, object?> { ["contact"] = "ada@example.com" },
            });
            var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "e", EventId = "int", Input = "ssn 123-45-6789" });
            await interaction.FinishAsync(output: "card 4111 1111 1111 1111");
        }

        var e = Assert.Single(api.Items("events/track"));
        Assert.Equal("mail me at <REDACTED EMAIL>", (string?)e["ai_data"]!["input"]);
        Assert.Equal("call <REDACTED PHONE NUMBER>", (string?)e["ai_data"]!["output"]);
        Assert.Equal("ada@example.com", (string?)e["properties"]!["contact"]); // the TS SDK redacts only input/output
        var p = Assert.Single(api.Items("events/track_partial"));
        Assert.Equal("ssn <REDACTED SOCIAL SECURITY NUMBER>", (string?)p["ai_data"]!["input"]);
        Assert.Equal("card <REDACTED CREDIT CARD NUMBER>", (string?)p["ai_data"]!["output"]);
    }

    [Fact]
    public async Task A_custom_redactor_replaces_the_built_in_one()
    {
        using var api = new FakeApi();
        await using (var client = api.Client(o =>
        {
            o.RedactPii = true;
            o.Redactor = new UpperCaser();
        }))
        {
            client.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "ada@example.com" });
        }

        Assert.Equal("ADA@EXAMPLE.COM", (string?)Assert.Single(api.Items("events/track"))["ai_data"]!["input"]);
    }

    [Fact]
    public async Task A_redactor_that_throws_neither_reaches_the_caller_nor_lets_the_text_through()
    {
        using var api = new FakeApi();
        await using (var client = api.Client(o =>
        {
            o.RedactPii = true;
            o.Redactor = new Throwing();
        }))
        {
            var id = client.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "ada@example.com", Output = "ok" });
            Assert.False(string.IsNullOrEmpty(id));
        }

        var ai = Assert.Single(api.Items("events/track"))["ai_data"]!;
        Assert.Equal("<REDACTION FAILED>", (string?)ai["input"]);
        Assert.Equal("<REDACTION FAILED>", (string?)ai["output"]);
    }

    private sealed class UpperCaser : IPiiRedactor
    {
        public string Redact(string text) => text.ToUpperInvariant();
    }

    private sealed class Throwing : IPiiRedactor
    {
        public string Redact(string text) => throw new InvalidOperationException("boom");
    }
}
