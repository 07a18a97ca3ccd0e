using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Raindrop.Sdk.IntegrationTests;

/// <summary>
/// Issue 17 items 6 and 7, in host (a): <c>/v1/traces</c> is delivered like events (retried on 429 with
/// <c>Retry-After</c> and on 5xx, <c>FlushAsync</c> false while spans are pending) and goes through the app's
/// <c>RaindropOptions.HttpClient</c> (WIRE.md §7 "Trace export is delivered like events", "Export goes through the
/// app's HTTP stack too").
/// </summary>
public class TraceExportTests
{
    private const string ToolSpan = "lookup_order.tool";

    /// <summary><c>POST /order</c>: Begin → WithToolAsync → FinishAsync, as the README shows.</summary>
    private static void OrderEndpoint(WebApplication app) => app.MapPost("/order", async (IRaindropClient raindrop) =>
    {
        await using var interaction = raindrop.Begin(Weather.Interaction("Where is order 42?"));
        var status = await interaction.WithToolAsync("lookup_order", () => Task.FromResult("shipped"), new SpanOptions { Input = new { order = 42 } });
        await interaction.FinishAsync(output: "Order 42 is " + status);
        return Results.Text(interaction.EventId);
    });

    [Theory]
    [Trait("Issue17", "6")]
    [InlineData(429, "1")]
    [InlineData(503, null)]
    public async Task A_trace_export_answered_once_with_a_retryable_status_is_retried_and_arrives_once(int status, string? retryAfter)
    {
        await using var app = await TestApp.StartAsync(OrderEndpoint);
        app.Sink.FailTraceExports(1, status, retryAfter);

        var eventId = await app.PostAsync("/order");
        var delivered = await app.FlushAsync();

        var attempts = app.Sink.On("traces");
        var failed = attempts[0];
        Assert.Equal(status, failed.Status);

        // WIRE.md §7: retried with the same bytes, after Retry-After when the answer had one.
        var retry = attempts.Skip(1).FirstOrDefault(r => r.Body.AsSpan().SequenceEqual(failed.Body));
        Assert.True(retry is not null, $"the export answered {status} was not retried with the same bytes ({attempts.Count} request(s) on /v1/traces)");
        Assert.True(retry.Succeeded);
        if (retryAfter is not null)
        {
            var waited = retry.Received - failed.Received;
            Assert.True(waited >= TimeSpan.FromSeconds(0.9), $"Retry-After: {retryAfter} was not honoured (retried after {waited.TotalMilliseconds:F0} ms)");
        }

        Assert.Single(app.Sink.Spans, s => s.Name == ToolSpan && s.EventId == eventId);
        Assert.Single(app.Sink.Spans, s => s.Name == Weather.Event + ".workflow" && s.EventId == eventId);
        Assert.True(delivered, "FlushAsync returned false although the spans were delivered");
    }

    [Fact]
    [Trait("Issue17", "6")]
    public async Task FlushAsync_is_false_while_spans_are_pending_and_true_once_they_are_delivered()
    {
        await using var app = await TestApp.StartAsync(OrderEndpoint, new TestAppOptions { Raindrop = o => o.FlushTimeout = TimeSpan.FromSeconds(1) });
        app.Sink.FailTraceExports(int.MaxValue, 503);

        var eventId = await app.PostAsync("/order");
        var whileFailing = await app.Raindrop.FlushAsync();
        Assert.False(whileFailing, "FlushAsync returned true while every trace export was answered 503");
        Assert.Empty(app.Sink.Spans);

        app.Sink.FailTraceExports(0, 503);
        var delivered = false;
        for (var i = 0; i < 10 && !delivered; i++)
        {
            delivered = await app.Raindrop.FlushAsync(); // each waits at most FlushTimeout (1 s)
        }

        Assert.True(delivered, "FlushAsync never returned true after the API recovered");
        Assert.Single(app.Sink.Spans, s => s.Name == ToolSpan && s.EventId == eventId);
    }

    [Fact]
    [Trait("Issue17", "7")]
    public async Task Trace_exports_go_through_the_apps_HttpClient()
    {
        await using var app = await TestApp.StartAsync(OrderEndpoint, new TestAppOptions
        {
            Raindrop = o => o.HttpClient = new HttpClient(new AppHeaderHandler { InnerHandler = new SocketsHttpHandler() }),
        });

        var eventId = await app.PostAsync("/order");
        await app.FlushAsync();

        Assert.NotEmpty(app.Sink.On("events/track_partial"));
        Assert.All(app.Sink.On("events/track_partial"), r => Assert.Equal("1", r.Header(AppHeaderHandler.Header)));
        var exports = app.Sink.On("traces");
        Assert.NotEmpty(exports);
        Assert.True(exports.All(r => r.Header(AppHeaderHandler.Header) == "1"), "a /v1/traces export did not pass through the app's HttpClient (its handler's header is missing)");
        Assert.Single(app.Sink.Spans, s => s.Name == ToolSpan && s.EventId == eventId);
    }

    /// <summary>An app's own handler (auth, proxy, tenant header...): marks every request it sends.</summary>
    private sealed class AppHeaderHandler : DelegatingHandler
    {
        public const string Header = "X-App-Handler";

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.TryAddWithoutValidation(Header, "1");
            return base.SendAsync(request, cancellationToken);
        }
    }
}
