using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Raindrop.Sdk.Tests.Tracing;

/// <summary>Spans of an AI library (Microsoft.Extensions.AI's OpenTelemetry chat client) inside an interaction.</summary>
[Collection(TracingTestGroup.Name)]
public class AutoCaptureTests
{
    private static IChatClient Chat() =>
        new ChatClientBuilder(new FakeChatClient())
            .UseOpenTelemetry(sourceName: Attr.AiSource, configure: c => c.EnableSensitiveData = true)
            .Build();

    [Fact]
    public async Task An_llm_span_inside_a_task_span_joins_the_interaction_and_its_trace()
    {
        await using var t = TracingHarness.Create();
        using var chat = Chat();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId, eventName: "ask", userId: "user-7", convoId: "convo-7");

        var response = await interaction.WithSpanAsync("answer", async () => await chat.GetResponseAsync("hi"));
        Assert.Equal("hello there", response.Text);
        await interaction.FinishAsync(output: response.Text);

        var task = t.Span(eventId, "answer.task");
        var llm = Assert.Single(t.SpansOf(eventId), s => s.Source.Name == Attr.AiSource);
        Assert.StartsWith("chat", llm.DisplayName, StringComparison.Ordinal);
        Assert.Contains(FakeChatClient.Model, llm.DisplayName, StringComparison.Ordinal);
        Assert.Equal(task.TraceId, llm.TraceId);
        Assert.Equal(task.SpanId, llm.ParentSpanId);
        Assert.Equal("user-7", llm.GetTagItem(Attr.UserId));
        Assert.Equal("convo-7", llm.GetTagItem(Attr.ConvoId));
        Assert.Equal("ask", llm.GetTagItem(Attr.EventName));

        // And it reaches Raindrop, in the interaction's trace.
        var exported = await t.ExportedAsync(s => s.Any(x => x.Scope == Attr.AiSource && x.EventId == eventId) && s.Any(x => x.Name == "answer.task" && x.EventId == eventId));
        var exportedLlm = Assert.Single(exported, x => x.Scope == Attr.AiSource && x.EventId == eventId);
        var exportedTask = Assert.Single(exported, x => x.Name == "answer.task" && x.EventId == eventId);
        Assert.Equal(exportedTask.TraceId, exportedLlm.TraceId);
        Assert.Equal(exportedTask.SpanId, exportedLlm.ParentSpanId);
        Assert.Equal(llm.DisplayName, exportedLlm.Name);
    }

    [Fact]
    public async Task An_llm_span_called_directly_after_Begin_carries_the_ambient_interaction()
    {
        await using var t = TracingHarness.Create();
        using var chat = Chat();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId, userId: "user-8");
        var flow = Activity.Current; // Begin made the interaction's workflow span the flow's span (WIRE.md §7)
        Assert.EndsWith(".workflow", flow?.DisplayName);

        var response = await chat.GetResponseAsync("hi");
        Assert.Equal("hello there", response.Text);
        Assert.Same(flow, Activity.Current);
        await interaction.FinishAsync();

        var llm = Assert.Single(t.SpansOf(eventId), s => s.Source.Name == Attr.AiSource);
        Assert.Equal("user-8", llm.GetTagItem(Attr.UserId));

        var exported = await t.ExportedAsync(s => s.Any(x => x.Scope == Attr.AiSource && x.EventId == eventId));
        Assert.Single(exported, x => x.Scope == Attr.AiSource && x.EventId == eventId);
    }

    [Fact]
    public async Task An_llm_span_outside_any_interaction_carries_no_event_id()
    {
        await using var t = TracingHarness.Create();
        using var chat = Chat();
        var model = "model-" + Attr.NewId();

        await chat.GetResponseAsync("no interaction here", new ChatOptions { ModelId = model });

        var llm = Assert.Single(t.Spans.Snapshot(), s => s.Source.Name == Attr.AiSource && s.DisplayName.Contains(model, StringComparison.Ordinal));
        Assert.Null(llm.GetTagItem(Attr.EventId));
        Assert.Null(llm.GetTagItem(Attr.UserId));
    }

    [Fact]
    public async Task An_llm_span_of_another_clients_interaction_does_not_get_this_clients_event()
    {
        await using var mine = TracingHarness.Create();
        await using var other = TracingHarness.Create();
        using var chat = Chat();
        var otherId = Attr.NewId();
        var interaction = other.Begin(otherId);

        await interaction.WithSpanAsync("answer", async () => await chat.GetResponseAsync("hi"));
        await interaction.FinishAsync();

        var llm = Assert.Single(other.SpansOf(otherId), s => s.Source.Name == Attr.AiSource);
        Assert.Equal(otherId, llm.GetTagItem(Attr.EventId));
        var mineExported = await mine.ExportedAsync(_ => true);
        Assert.DoesNotContain(mineExported, s => s.EventId == otherId);
        var otherExported = await other.ExportedAsync(s => s.Any(x => x.Scope == Attr.AiSource && x.EventId == otherId));
        Assert.Single(otherExported, x => x.Scope == Attr.AiSource && x.EventId == otherId);
    }

    [Fact]
    public async Task An_llm_call_right_after_the_client_is_created_is_captured()
    {
        using var chat = Chat();
        using var api = new TestSupport.FakeApi();
        await using var client = api.Client();
        var eventId = Attr.NewId();
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "ask", EventId = eventId });

        await chat.GetResponseAsync("hi");
        await interaction.FinishAsync();

        var exported = await TracingHarness.ExportedAsync(api, client, s => s.Any(x => x.Scope == Attr.AiSource && x.EventId == eventId));
        Assert.Single(exported, x => x.Scope == Attr.AiSource && x.EventId == eventId);
    }

    [Fact]
    public async Task The_owned_provider_captures_an_llm_span_inside_an_interaction()
    {
        using var api = new TestSupport.FakeApi();
        await using var client = TracingHarness.OwnedClient(api);
        using var chat = Chat();
        var eventId = Attr.NewId();
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "ask", EventId = eventId });

        await interaction.WithSpanAsync("answer", async () => await chat.GetResponseAsync("hi"));
        await interaction.FinishAsync();

        var exported = await TracingHarness.ExportedAsync(api, client, s => s.Any(x => x.Scope == Attr.AiSource && x.EventId == eventId) && s.Any(x => x.Name == "answer.task" && x.EventId == eventId));
        var llm = Assert.Single(exported, x => x.Scope == Attr.AiSource && x.EventId == eventId);
        var task = Assert.Single(exported, x => x.Name == "answer.task" && x.EventId == eventId);
        Assert.Equal(task.TraceId, llm.TraceId);
        Assert.StartsWith("chat", llm.Name, StringComparison.Ordinal);
    }
}
