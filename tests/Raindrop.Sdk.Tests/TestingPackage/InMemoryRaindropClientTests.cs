using Raindrop.Testing;

namespace Raindrop.Sdk.Tests.TestingPackage;

/// <summary>Raindrop.Sdk.Testing: the in-memory client records what an app does, as the app would assert on it.</summary>
public class InMemoryRaindropClientTests
{
    // What an app under test might do with an injected IRaindropClient.
    private static async Task<string> HandleChatAsync(IRaindropClient raindrop, string message)
    {
        await using var interaction = raindrop.Begin(new InteractionOptions { UserId = "user-1", Event = "chat_message", Input = message, ConvoId = "c-1" });
        interaction.SetProperty("stage", "search");
        var hits = await interaction.WithToolAsync("search_docs", () => Task.FromResult(3), new SpanOptions { Input = message });
        interaction.SetProperties(new Dictionary<string, object?> { ["hits"] = hits, ["stage"] = "answer" });
        var answer = $"found {hits}";
        await interaction.FinishAsync(output: answer, model: "gpt-4o");
        raindrop.TrackSignal(new Signal { EventId = interaction.EventId, Name = "auto_ok" });
        return answer;
    }

    [Fact]
    public async Task Records_an_interaction_its_properties_output_finished_state_and_tool_span()
    {
        var fake = new InMemoryRaindropClient();
        Assert.Equal("found 3", await HandleChatAsync(fake, "reset password"));

        var interaction = Assert.Single(fake.Interactions);
        Assert.True(interaction.IsFinished);
        Assert.Equal(("user-1", "chat_message", "c-1"), (interaction.UserId, interaction.Event, interaction.ConvoId));
        Assert.Equal(("reset password", "found 3", "gpt-4o"), (interaction.Input, interaction.Output, interaction.Model));
        Assert.Equal("answer", interaction.Properties["stage"]);
        Assert.Equal(3, interaction.Properties["hits"]);
        var span = Assert.Single(interaction.Spans);
        Assert.Equal(("search_docs", "tool", "reset password", (object?)3), (span.Name, span.Kind, span.Input, span.Output));
        Assert.True(span.IsEnded);
        Assert.Equal(interaction.EventId, Assert.Single(fake.Signals).EventId);
    }

    [Fact]
    public async Task Updates_after_finish_are_ignored_like_the_real_client()
    {
        var fake = new InMemoryRaindropClient();
        var interaction = fake.Begin(new InteractionOptions { UserId = "u", Event = "e" });
        await interaction.FinishAsync(output: "first");
        interaction.SetProperty("late", true);
        await interaction.FinishAsync(output: "second");

        var recorded = Assert.Single(fake.Interactions);
        Assert.Equal("first", recorded.Output);
        Assert.False(recorded.Properties.ContainsKey("late"));
    }

    [Fact]
    public void A_span_that_throws_records_the_error_and_rethrows_it()
    {
        var fake = new InMemoryRaindropClient();
        var boom = new InvalidOperationException("boom");

        var thrown = Assert.Throws<InvalidOperationException>(() => fake.WithTool("flaky", (Action)(() => throw boom)));

        Assert.Same(boom, thrown);
        var span = Assert.Single(fake.Spans);
        Assert.Same(boom, span.Error);
        Assert.Null(span.EventId);
    }

    [Fact]
    public void Manual_and_llm_spans_record_what_the_app_records_on_them()
    {
        var fake = new InMemoryRaindropClient();
        var interaction = fake.Begin(new InteractionOptions { UserId = "u", Event = "e" });
        using (var llm = interaction.StartLlmSpan("gpt-4o", [new LlmMessage("user", "hi")]))
        {
            llm.RecordOutput("hello");
            llm.RecordUsage(12, 3);
        }

        interaction.TrackTool("geocode", "Paris", "48.8,2.3", TimeSpan.FromMilliseconds(5));

        var spans = fake.Spans;
        Assert.Equal(["chat", "geocode"], spans.Select(s => s.Name));
        Assert.Equal(("llm", "hello", (long?)12, (long?)3), (spans[0].Kind, spans[0].Output, spans[0].InputTokens, spans[0].OutputTokens));
        Assert.True(spans[0].IsEnded);
        Assert.All(spans, s => Assert.Equal(interaction.EventId, s.EventId));
    }

    [Fact]
    public void StartSpan_of_a_kind_records_a_task_or_tool_span_with_its_version_and_a_noop_processor_is_offered()
    {
        var fake = new InMemoryRaindropClient();
        var interaction = fake.Begin(new InteractionOptions { UserId = "u", Event = "e" });
        using (var span = interaction.StartSpan(RaindropSpanKind.Tool, "charge", new SpanOptions { Version = 2 }))
        {
            span.RecordOutput("ok");
        }

        fake.StartSpan(RaindropSpanKind.Task, "plan").End();
        Assert.Equal(7, fake.WithSpan("compute", () => 7, new SpanOptions { Version = 3 }));

        var spans = fake.Spans;
        Assert.Equal([("charge", "tool", (int?)2, (object?)"ok"), ("plan", "task", null, null), ("compute", "task", 3, 7)], spans.Select(s => (s.Name, s.Kind, s.Version, s.Output)));
        Assert.All(spans, s => Assert.True(s.IsEnded));
        Assert.Throws<ArgumentOutOfRangeException>(() => fake.StartSpan((RaindropSpanKind)7, "x"));
        using var processor = ((IRaindropClient)fake).CreateSpanProcessor();
        Assert.NotNull(processor);
    }

    [Fact]
    public void Validates_like_the_real_client_and_records_events_and_identifies()
    {
        var fake = new InMemoryRaindropClient();
        Assert.Throws<ArgumentException>(() => fake.Track(new TrackEvent { UserId = "", Event = "e" }));
        Assert.Throws<ArgumentException>(() => fake.TrackAi(new AiEvent { UserId = "u", Event = "e" }));

        var id = fake.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "q" });
        fake.Identify("u", new Dictionary<string, object?> { ["plan"] = "pro" });

        Assert.Equal(id, Assert.Single(fake.AiEvents).EventId);
        Assert.Equal("pro", Assert.Single(fake.Identifies).Traits["plan"]);
        Assert.Equal(2, fake.Statistics.Enqueued);
    }

    [Fact]
    public void Records_properties_and_traits_as_they_were_at_the_call()
    {
        var fake = new InMemoryRaindropClient();
        var properties = new Dictionary<string, object?> { ["plan"] = "pro" };
        fake.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "q", Properties = properties });
        fake.Track(new TrackEvent { UserId = "u", Event = "signed_up", Properties = properties });
        fake.TrackSignal(new Signal { EventId = "e1", Name = "thumbs_up", Properties = properties });
        fake.Identify("u", properties);
        var interaction = fake.Begin(new InteractionOptions { UserId = "u", Event = "chat", Properties = new() { ["stage"] = "begin" } });
        properties["plan"] = "changed";
        properties["later"] = true;

        Assert.Equal("pro", Assert.Single(Assert.Single(fake.AiEvents).Properties!).Value);
        Assert.Equal("pro", Assert.Single(Assert.Single(fake.Events).Properties!).Value);
        Assert.Equal("pro", Assert.Single(Assert.Single(fake.Signals).Properties!).Value);
        Assert.Equal("pro", Assert.Single(Assert.Single(fake.Identifies).Traits).Value);
        Assert.Equal("begin", Assert.Single(Assert.Single(fake.Interactions).Properties).Value);
        Assert.Equal(interaction.EventId, fake.Interactions[0].EventId);
    }

    [Fact]
    public async Task Is_thread_safe_under_concurrent_calls()
    {
        var fake = new InMemoryRaindropClient();
        var start = new Barrier(4);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < 20_000; i++)
            {
                fake.Track(new TrackEvent { UserId = "u", Event = "e" });
            }
        })));
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 250; i++)
            {
                await HandleChatAsync(fake, "m");
            }
        })));

        Assert.Equal(80_000, fake.Events.Count);
        Assert.Equal(2000, fake.Interactions.Count);
        Assert.Equal(2000, fake.Spans.Count);
        Assert.Equal(2000, fake.Signals.Count);
    }
}
