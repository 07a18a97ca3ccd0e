using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Raindrop.Sdk.Tests.Delivery;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Tracing;

/// <summary>
/// Trace exports keep the events' limits (WIRE.md §2, §5, §7): no request over 1 MiB whatever the app passed, a 413
/// sent again in halves, and spans the close deadline leaves behind counted and logged.
/// </summary>
[Collection(TracingTestGroup.Name)]
public sealed class ExportLimitsTests
{
    [Fact]
    public async Task A_span_with_megabytes_of_input_is_cut_to_fit_and_the_spans_beside_it_are_delivered_in_requests_under_1_MiB()
    {
        using var api = new FakeApi();
        await using var client = TracingHarness.OwnedClient(api);
        var eventId = Attr.NewId();
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "ask", EventId = eventId });
        for (var i = 0; i < 5; i++)
        {
            await interaction.WithToolAsync("small" + i, () => Task.FromResult(i));
        }

        var huge = new string('x', 1_500_000);
        await interaction.WithToolAsync("huge", () => Task.FromResult(huge), new SpanOptions { Input = huge });
        await interaction.FinishAsync(output: "done");

        Assert.True(await client.FlushAsync());

        Assert.All(api.Requests("traces"), r => Assert.True(r.RequestMessage.BodyAsBytes!.Length <= 1024 * 1024, $"a trace export of {r.RequestMessage.BodyAsBytes!.Length} bytes"));
        var spans = api.DeliveredSpans();
        Assert.Equal(7, spans.Count(s => s.EventId == eventId)); // five small tools, the huge one, the workflow
        var big = Assert.Single(spans, s => s.Name == "huge.tool");
        Assert.EndsWith(Attr.Marker, big.Attr(Attr.Input));
        Assert.EndsWith(Attr.Marker, big.Attr(Attr.Output));
    }

    [Fact]
    public async Task A_trace_export_answered_413_is_sent_again_in_halves_and_every_span_arrives_once()
    {
        using var api = new FakeApi();
        api.Script("traces", r => r.WithStatusCode(413), r => r.WithStatusCode(200));
        await using var client = TracingHarness.OwnedClient(api);
        var eventId = Attr.NewId();
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "ask", EventId = eventId });
        for (var i = 0; i < 6; i++)
        {
            await interaction.WithToolAsync("t" + i, () => Task.FromResult(i));
        }

        await interaction.FinishAsync(output: "done");

        Assert.True(await client.FlushAsync());

        Assert.True(api.Requests("traces").Count >= 3, "the rejected export was not sent again in halves");
        var spans = api.DeliveredSpans().Where(s => s.EventId == eventId).ToList();
        Assert.Equal(7, spans.Count);
        Assert.Equal(7, spans.Select(s => s.SpanId).Distinct().Count());
    }

    [Fact]
    public async Task Spans_the_close_deadline_leaves_unsent_are_all_counted_in_warnings()
    {
        using var api = new FakeApi();
        api.Script("traces", r => r.WithStatusCode(200).WithDelay(TimeSpan.FromSeconds(5))); // a server that never answers in time
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var client = TracingHarness.OwnedClient(api, o =>
        {
            o.LoggerFactory = factory;
            o.FlushTimeout = TimeSpan.FromMilliseconds(300);
            o.CloseTimeout = TimeSpan.FromSeconds(1);
        });

        // Six spans go into an export that hangs; eleven more queue behind it.
        var first = client.Begin(new InteractionOptions { UserId = "u", Event = "ask", EventId = Attr.NewId() });
        for (var i = 0; i < 5; i++)
        {
            await first.WithToolAsync("a" + i, () => Task.FromResult(i));
        }

        await first.FinishAsync(output: "done");
        Assert.False(await client.FlushAsync());
        var second = client.Begin(new InteractionOptions { UserId = "u", Event = "ask", EventId = Attr.NewId() });
        for (var i = 0; i < 10; i++)
        {
            await second.WithToolAsync("b" + i, () => Task.FromResult(i));
        }

        await second.FinishAsync(output: "done");
        await client.DisposeAsync();

        // Every one of the 17 is named in a warning, once: the hung export's and the queued ones.
        long Named() => logs.Records
            .Where(r => r.Level == LogLevel.Warning && r.Message.Contains("span(s)", StringComparison.Ordinal))
            .Sum(r => long.Parse(Regex.Match(r.Message, @"(\d+) span\(s\)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        await FakeApi.Eventually(() => Named() >= 17, TimeSpan.FromSeconds(10));
        Assert.Equal(17, Named());
        Assert.Contains(logs.Records, r => r.Message.Contains("closed with", StringComparison.Ordinal) && r.Message.Contains("span(s) not exported", StringComparison.Ordinal));
    }
}
