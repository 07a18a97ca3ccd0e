using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Raindrop.Sdk.Tests.TestSupport;
using Raindrop.Sdk.Tests.Tracing;

namespace Raindrop.Sdk.Tests.Robustness;

/// <summary>
/// WIRE.md §7: the host's Activity never decides for Raindrop. The README's <c>/chat</c> pattern in a real
/// <see cref="WebApplication"/> (Kestrel on loopback, no OpenTelemetry of the app's own): every request runs under an
/// unrecorded ASP.NET Core Activity, and the interaction's spans must still reach <c>/v1/traces</c>, in a trace of
/// their own, linked to the request's span.
/// </summary>
[Collection(TracingTestGroup.Name)]
public sealed class AspNetCoreRequestTests
{
    public sealed record ChatRequest(string UserId, string Message);

    [Theory]
    [InlineData(null)]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
    public async Task The_readme_chat_endpoint_delivers_its_spans_in_a_trace_of_their_own(string? traceparent)
    {
        using var api = new FakeApi();
        await using var raindrop = api.Client();
        await using var app = await StartAppAsync(raindrop);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = JsonContent.Create(new ChatRequest("user-1", "hello")) };
        if (traceparent is not null)
        {
            request.Headers.Add("traceparent", traceparent);
        }

        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var eventId = await response.Content.ReadAsStringAsync();

        Assert.True(await raindrop.FlushAsync());
        var spans = await TracingHarness.ExportedAsync(api, raindrop, s => s.Count(x => x.EventId == eventId) >= 2);
        var mine = spans.Where(s => s.EventId == eventId).ToList();
        Assert.Contains(mine, s => s.Name == "chat_message.workflow");
        Assert.Contains(mine, s => s.Name == "search.tool");

        // One trace of the interaction's own, carried by the event; never the incoming request's trace.
        var traceId = Assert.Single(mine.Select(s => s.TraceId).Distinct());
        Assert.NotEqual("0af7651916cd43dd8448eb211c80319c", traceId);
        var root = mine.Single(s => s.Name == "chat_message.workflow");
        Assert.Equal(string.Empty, root.ParentSpanId);
        if (traceparent is not null)
        {
            Assert.Equal(["0af7651916cd43dd8448eb211c80319c"], root.LinkedTraceIds); // the request's span, as a link
        }
        var finished = api.Items("events/track_partial").Where(i => (string?)i["event_id"] == eventId).ToList();
        Assert.Contains(finished, i => (string?)i["properties"]?["trace_id"] == traceId);
        Assert.Contains(finished, i => (bool?)i["is_pending"] == false && (string?)i["ai_data"]?["output"] == "answer to hello");
    }

    private static async Task<WebApplication> StartAppAsync(RaindropClient raindrop)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().AddProvider(new Microsoft.Extensions.Logging.Testing.FakeLoggerProvider()); // logging on, as in any app: requests get an Activity
        builder.Services.AddSingleton(raindrop);
        var app = builder.Build();
        app.MapPost("/chat", async (ChatRequest chat, RaindropClient client) =>
        {
            Assert.NotNull(Activity.Current); // ASP.NET Core's request Activity, unrecorded in an app without OpenTelemetry
            await using var interaction = client.Begin(new() { UserId = chat.UserId, Event = "chat_message", Input = chat.Message });
            var docs = await interaction.WithToolAsync("search", () => Task.FromResult("docs for " + chat.Message));
            await interaction.FinishAsync(output: "answer to " + chat.Message);
            return Results.Text(interaction.EventId);
        });
        await app.StartAsync();
        return app;
    }
}
