using Microsoft.Extensions.AI;
using Raindrop.Sdk.Extensions.AI.Tests.TestSupport;

namespace Raindrop.Sdk.Extensions.AI.Tests;

/// <summary>Streaming calls: chunks pass through unchanged; the output is recorded whole, or as far as it got.</summary>
public class StreamingTests
{
    [Fact]
    public async Task Every_chunk_passes_through_unchanged_and_the_whole_output_is_recorded_at_the_end()
    {
        await using var h = new ChatHarness();
        using var chat = h.Chat();
        using var bare = h.Model.AsBuilder().Build();
        var expected = new List<string?>();
        await foreach (var u in bare.GetStreamingResponseAsync("hi"))
        {
            expected.Add(u.Text);
        }

        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);
        var seen = new List<string?>();
        await foreach (var u in chat.GetStreamingResponseAsync("stream please"))
        {
            seen.Add(u.Text);
        }

        await interaction.FinishAsync();

        Assert.Equal(expected, seen);
        var ev = await h.InteractionEventAsync(eventId);
        Assert.Equal("Hello world", (string?)ev["ai_data"]!["output"]);
        Assert.Equal("stream please", (string?)ev["ai_data"]!["input"]);
        Assert.Equal(9, (long)ev["properties"]!["input_tokens"]!);
        var spans = await h.SpansAsync(s => s.Any(x => x.Name == "chat.llm"));
        var llm = Assert.Single(spans, s => s.Name == "chat.llm");
        Assert.Equal("Hello world", llm.Attr(Attr.Completion0));
        Assert.Equal(4, llm.Long(Attr.OutputTokens));
        Assert.Equal("stop", llm.Attr(Attr.FinishReason));
        Assert.Equal(eventId, llm.EventId);
        Assert.Null(llm.Attributes.GetValueOrDefault("raindrop.stream.abandoned"));
    }

    [Fact]
    public async Task The_same_update_instances_reach_the_caller()
    {
        await using var h = new ChatHarness();
        var produced = new List<ChatResponseUpdate>();
        using var chat = new ChatClientBuilder(new RecordingStream(h.Model, produced)).UseRaindrop(h.Client).Build();
        h.Begin(ChatHarness.NewId());

        var received = new List<ChatResponseUpdate>();
        await foreach (var u in chat.GetStreamingResponseAsync("x"))
        {
            received.Add(u);
        }

        Assert.Equal(produced.Count, received.Count);
        Assert.All(produced.Zip(received), p => Assert.Same(p.First, p.Second));
    }

    [Fact]
    public async Task An_abandoned_stream_records_the_output_as_far_as_it_got()
    {
        await using var h = new ChatHarness();
        using var chat = h.Chat();
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);

        var taken = 0;
        await foreach (var u in chat.GetStreamingResponseAsync("stop early"))
        {
            if (++taken == 2)
            {
                break;
            }
        }

        await interaction.FinishAsync();

        var ev = await h.InteractionEventAsync(eventId);
        Assert.Equal("Hello ", (string?)ev["ai_data"]!["output"]);
        var spans = await h.SpansAsync(s => s.Any(x => x.Name == "chat.llm"));
        var llm = Assert.Single(spans, s => s.Name == "chat.llm");
        Assert.Equal("Hello ", llm.Attr(Attr.Completion0));
        Assert.Equal(true, llm.Attributes["raindrop.stream.abandoned"]);
        Assert.NotEqual(Attr.Error, llm.StatusCode);
    }

    [Fact]
    public async Task A_stream_that_throws_passes_the_exception_on_and_records_the_partial_output_as_an_error()
    {
        await using var h = new ChatHarness();
        using var chat = h.Chat();
        h.Model.ThrowAfter = 3;
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);

        var seen = new List<string>();
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var u in chat.GetStreamingResponseAsync("break"))
            {
                seen.Add(u.Text);
            }
        });
        await interaction.FinishAsync();

        Assert.Same(h.Model.StreamError, thrown);
        Assert.Equal(["Hel", "lo ", "wor"], seen);
        var spans = await h.SpansAsync(s => s.Any(x => x.Name == "chat.llm"));
        var llm = Assert.Single(spans, s => s.Name == "chat.llm");
        Assert.Equal(Attr.Error, llm.StatusCode);
        Assert.Equal("Hello wor", llm.Attr(Attr.Completion0));
        var ev = await h.InteractionEventAsync(eventId);
        Assert.Equal("Hello wor", (string?)ev["ai_data"]!["output"]);
    }

    [Theory]
    [InlineData("R")]
    [InlineData("RF")]
    [InlineData("FR")]
    public async Task A_stream_never_disposed_ends_its_span_with_what_arrived_when_the_interaction_finishes(string order)
    {
        await using var h = new ChatHarness();
        using var chat = h.Pipeline(order);
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);

        // Read two chunks by hand and walk away: no DisposeAsync, as an app that stops reading might.
        var updates = chat.GetStreamingResponseAsync("never disposed").GetAsyncEnumerator();
        Assert.True(await updates.MoveNextAsync());
        Assert.True(await updates.MoveNextAsync());
        await interaction.FinishAsync();

        var spans = await h.SpansAsync(s => s.Any(x => x.Name == "chat.llm"));
        var llm = Assert.Single(spans, s => s.Name == "chat.llm");
        Assert.Equal(eventId, llm.EventId);
        Assert.Equal("Hello ", llm.Attr(Attr.Completion0));
        Assert.Equal(true, llm.Attributes["raindrop.stream.abandoned"]);
        var root = Assert.Single(spans, s => s.Name == "ask.workflow");
        Assert.Equal(root.TraceId, llm.TraceId);

        // The span ends before the final update is taken, so the event knows what the stream brought (WIRE.md §7).
        var ev = await h.InteractionEventAsync(eventId);
        Assert.Equal(root.TraceId, (string?)ev["properties"]!["trace_id"]);
        Assert.Equal(ScriptedChatClient.ResponseModel, (string?)ev["ai_data"]!["model"]);
        GC.KeepAlive(updates);
    }

    [Fact]
    public async Task A_stream_never_disposed_in_an_interaction_never_finished_ends_its_span_when_the_client_closes()
    {
        await using var h = new ChatHarness();
        using var chat = h.Pipeline("RF");
        var eventId = ChatHarness.NewId();
        h.Begin(eventId);

        var updates = chat.GetStreamingResponseAsync("left open").GetAsyncEnumerator();
        Assert.True(await updates.MoveNextAsync());
        await h.Client.DisposeAsync();

        var llm = Assert.Single(OtlpReader.ReadAll(h.Api.Bodies("traces")), s => s.Name == "chat.llm");
        Assert.Equal(eventId, llm.EventId);
        Assert.Equal("Hel", llm.Attr(Attr.Completion0));
        GC.KeepAlive(updates);
    }

    [Fact]
    public async Task A_stream_never_disposed_outside_an_interaction_ends_its_span_when_the_client_flushes()
    {
        await using var h = new ChatHarness();
        using var chat = h.Chat();

        var updates = chat.GetStreamingResponseAsync("never disposed", new ChatOptions { AdditionalProperties = new() { ["raindrop.user_id"] = "u-1" } }).GetAsyncEnumerator();
        Assert.True(await updates.MoveNextAsync());
        Assert.True(await updates.MoveNextAsync());

        var spans = await h.SpansAsync(s => s.Any(x => x.Name == "chat.llm")); // flushes first
        var llm = Assert.Single(spans, s => s.Name == "chat.llm");
        Assert.Equal("Hello ", llm.Attr(Attr.Completion0));
        Assert.Equal(true, llm.Attributes["raindrop.stream.abandoned"]);
        GC.KeepAlive(updates);
    }

    [Fact]
    public async Task A_stream_broken_off_inside_a_tool_loop_records_each_model_call_as_far_as_it_got()
    {
        await using var h = new ChatHarness();
        using var chat = h.Pipeline("RF");
        var eventId = ChatHarness.NewId();
        var interaction = h.Begin(eventId);

        var taken = 0;
        await foreach (var u in chat.GetStreamingResponseAsync("stop early"))
        {
            if (++taken == 3)
            {
                break;
            }
        }

        await interaction.FinishAsync();

        var spans = await h.SpansAsync(s => s.Any(x => x.Name == "chat.llm"));
        var llm = Assert.Single(spans, s => s.Name == "chat.llm");
        Assert.Equal("Hello wor", llm.Attr(Attr.Completion0));
        Assert.Equal(true, llm.Attributes["raindrop.stream.abandoned"]);
    }

    /// <summary>Streams the inner model's updates and remembers each instance it handed out.</summary>
    private sealed class RecordingStream(IChatClient inner, List<ChatResponseUpdate> produced) : DelegatingChatClient(inner)
    {
        public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var u in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                produced.Add(u);
                yield return u;
            }
        }
    }
}
