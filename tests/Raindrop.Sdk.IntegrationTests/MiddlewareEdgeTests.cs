using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;

namespace Raindrop.Sdk.IntegrationTests;

/// <summary>
/// Issue 17 item 3, in host (a): a tool from <c>FunctionInvokingChatClient.AdditionalTools</c>, a stream never disposed,
/// the <c>raindrop.*</c> option keys, and <c>CaptureContent = false</c> outside an interaction (WIRE.md §7 "One span
/// per model call, one per tool call"; README "Chat middleware").
/// </summary>
public class MiddlewareEdgeTests
{
    // Enumerators the app abandoned: kept reachable so nothing but the SDK can end their spans.
    private static readonly ConcurrentBag<object> Abandoned = [];

    [Theory]
    [Trait("Issue17", "3")]
    [InlineData("RF")]
    [InlineData("FR")]
    public async Task A_tool_given_through_AdditionalTools_gets_one_tool_span(string order)
    {
        await using var app = await TestApp.StartAsync(Weather.ChatEndpoint(withTools: false), new TestAppOptions
        {
            Pipeline = Pipelines.Of(order, functions: f => f.AdditionalTools = [Weather.Tool]),
            Script = Weather.RoundTrip,
        });
        var toolRunsBefore = Weather.ToolRuns;

        var eventId = await app.PostAsync("/chat");
        await app.FlushAsync();

        Assert.Equal(1, Weather.ToolRuns - toolRunsBefore);
        var trace = SpanQueries.TraceOf(app.Sink.Spans, eventId);
        var tool = Assert.Single(trace.Tools);
        Assert.Contains(Weather.ToolName, tool.Name, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Issue17", "3")]
    public async Task A_stream_whose_enumerator_is_never_disposed_still_gets_its_LLM_span_after_finish_and_flush()
    {
        await using var app = await TestApp.StartAsync(
            a => a.MapPost("/chat", async (IRaindropClient raindrop, IChatClient chat) =>
            {
                await using var interaction = raindrop.Begin(Weather.Interaction());
                var updates = chat.GetStreamingResponseAsync(Weather.Question).GetAsyncEnumerator();
                await updates.MoveNextAsync(); // the first update, then the app walks away: no more reads, no dispose
                Abandoned.Add(updates);
                await interaction.FinishAsync(output: "(cut short)");
                return Results.Text(interaction.EventId);
            }),
            new TestAppOptions { Pipeline = Pipelines.Of("R") });

        var eventId = await app.PostAsync("/chat");
        await app.FlushAsync();

        var trace = SpanQueries.TraceOf(app.Sink.Spans, eventId);
        Assert.True(trace.Llm.Count == 1, $"expected the abandoned stream's LLM span; {SpanQueries.Describe(trace.Spans)}");
    }

    [Theory]
    [Trait("Issue17", "3")]
    [InlineData("R")]
    [InlineData("RO")]
    public async Task A_stream_broken_off_after_its_first_update_is_one_LLM_span(string order)
    {
        await using var app = await TestApp.StartAsync(
            a => a.MapPost("/chat", async (IRaindropClient raindrop, IChatClient chat) =>
            {
                await using var interaction = raindrop.Begin(Weather.Interaction());
                await foreach (var update in chat.GetStreamingResponseAsync(Weather.Question))
                {
                    break; // disposes the enumerator
                }

                await interaction.FinishAsync(output: "(cut short)");
                return Results.Text(interaction.EventId);
            }),
            new TestAppOptions { Pipeline = Pipelines.Of(order) });

        var eventId = await app.PostAsync("/chat");
        await app.FlushAsync();

        var trace = SpanQueries.TraceOf(app.Sink.Spans, eventId);
        Assert.True(trace.Llm.Count == 1, $"expected the broken-off stream's LLM span; {SpanQueries.Describe(trace.Spans)}");
        Assert.True(app.Sink.Spans.Count(SpanQueries.IsLlm) == 1, "an LLM span outside the interaction's trace; " + SpanQueries.Describe(app.Sink.Spans));
    }

    [Fact]
    [Trait("Issue17", "3")]
    public async Task The_raindrop_option_keys_never_reach_the_inner_client_or_the_model()
    {
        var seenBelow = new ConcurrentQueue<string>();
        await using var app = await TestApp.StartAsync(
            a => a.MapPost("/ask", async (IChatClient chat) =>
            {
                var options = new ChatOptions
                {
                    AdditionalProperties = new()
                    {
                        [RaindropChatClientOptions.UserIdKey] = "user-9",
                        [RaindropChatClientOptions.EventKey] = "support_chat",
                        ["app.keep_me"] = "yes",
                    },
                };
                return Results.Text((await chat.GetResponseAsync("Say hello.", options)).Text);
            }),
            new TestAppOptions
            {
                Pipeline = b => b.UseRaindrop().Use(async (messages, options, next, cancellationToken) =>
                {
                    foreach (var key in options?.AdditionalProperties?.Keys ?? [])
                    {
                        seenBelow.Enqueue(key);
                    }

                    await next(messages, options, cancellationToken);
                }),
            });

        await app.PostAsync("/ask");
        await app.FlushAsync();

        Assert.Contains("app.keep_me", seenBelow); // the app's own keys pass through
        Assert.DoesNotContain(seenBelow, k => k.StartsWith("raindrop.", StringComparison.Ordinal));
        var call = Assert.Single(app.OpenAi.Calls);
        Assert.DoesNotContain("raindrop.", call.RequestJson, StringComparison.Ordinal);
        Assert.Equal("support_chat", (string?)Assert.Single(app.Sink.Items("events/track"))["event"]);
    }

    [Fact]
    [Trait("Issue17", "3")]
    public async Task CaptureContent_false_outside_an_interaction_sends_no_empty_output()
    {
        await using var app = await TestApp.StartAsync(
            a => a.MapPost("/ask", async (IChatClient chat) =>
            {
                var options = new ChatOptions { AdditionalProperties = new() { [RaindropChatClientOptions.UserIdKey] = "user-9" } };
                return Results.Text((await chat.GetResponseAsync("Say hello.", options)).Text);
            }),
            new TestAppOptions { Pipeline = Pipelines.Of("R", raindrop: o => o.CaptureContent = false) });

        await app.PostAsync("/ask");
        await app.FlushAsync();

        var request = Assert.Single(app.Sink.On("events/track"));
        var body = System.Text.Encoding.UTF8.GetString(request.Body);
        var ai = Assert.Single(app.Sink.Items("events/track"));
        Assert.DoesNotContain("Say hello.", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Hello from the fake model.", body, StringComparison.Ordinal);
        Assert.True(ai["ai_data"]?["output"] is null, "ai_data.output was sent: " + body);
        Assert.Equal(101, (int?)ai["properties"]?["input_tokens"]);
    }
}
