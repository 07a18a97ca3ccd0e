using System.Diagnostics;
using Raindrop.Sdk.Tests.Tracing;

namespace Raindrop.Sdk.Tests.Robustness;

/// <summary>WIRE.md §2 for span payloads: a span's input or output that throws never stops the app's delegate.</summary>
[Collection(TracingTestGroup.Name)]
public sealed class UntrustedSpanPayloadTests
{
    [Fact]
    public async Task A_throwing_input_or_output_is_described_and_the_delegate_runs_and_returns()
    {
        await using var t = TracingHarness.Create();
        var eventId = Attr.NewId();
        var interaction = t.Begin(eventId);
        var ran = 0;

        var result = await interaction.WithToolAsync(
            "lookup",
            () =>
            {
                ran++;
                return Task.FromResult(new UntrustedValueTests.Order("o-1"));
            },
            new SpanOptions { Input = new[] { 1, 0 }.Select(x => 10 / x), Properties = new Dictionary<string, object?> { ["rows"] = new[] { 2, 0 }.Select(x => 1 / x) } });
        Assert.Equal("o-1", result.Id);
        Assert.Equal(1, ran);

        Assert.Equal(3, interaction.WithSpan("sync", () => 3, new SpanOptions { Input = new UntrustedValueTests.Order("x") }));
        using (var span = interaction.StartLlmSpan("gpt", [new LlmMessage("user", null!)]))
        {
            span.RecordOutput(new UntrustedValueTests.Order("y"));
        }

        interaction.TrackTool("tracked", new UntrustedValueTests.Order("i"), new UntrustedValueTests.Order("o"), TimeSpan.FromMilliseconds(5), new ThrowingMessageException());
        await interaction.FinishAsync(output: "done");

        var tool = t.Span(eventId, "lookup.tool");
        Assert.Equal("[unserializable: DivideByZeroException]", tool.GetTagItem(Attr.Input));
        Assert.Equal("[unserializable: NullReferenceException]", tool.GetTagItem(Attr.Output));
        Assert.Equal(ActivityStatusCode.Unset, tool.Status);
        Assert.Equal("[unserializable: NullReferenceException]", t.Span(eventId, "sync.task").GetTagItem(Attr.Input));
        Assert.Equal(ActivityStatusCode.Error, t.Span(eventId, "tracked.tool").Status);
        Assert.True(t.Client.Statistics.UnserializableValues >= 5);
    }

    private sealed class ThrowingMessageException : Exception
    {
        public override string Message => throw new InvalidOperationException("no message");
    }
}
