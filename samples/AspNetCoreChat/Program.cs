// ASP.NET Core minimal API with Raindrop registered from configuration.
//
//   dotnet run --project samples/AspNetCoreChat
//   curl -s localhost:5000/chat -H 'content-type: application/json' -d '{"userId":"u1","message":"reset my password"}'
//   curl -s localhost:5000/feedback -H 'content-type: application/json' -d '{"eventId":"<id>","positive":false,"comment":"off-topic"}'
//
// Set the write key in appsettings.json ("Raindrop": { "WriteKey": ... }), as Raindrop__WriteKey, or as RAINDROP_WRITE_KEY.
// With none, the sample starts the Quickstart's local sink in-process and sends there: every request the SDK makes is
// printed, so it runs offline. (In your app, a missing key just disables the client with one warning.)
using AspNetCoreChat;
using Raindrop;

var builder = WebApplication.CreateBuilder(args);
await using var sink = string.IsNullOrEmpty(builder.Configuration["Raindrop:WriteKey"])
    && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("RAINDROP_WRITE_KEY"))
    ? Quickstart.LocalSink.Start()
    : null;
if (sink is not null)
{
    builder.Configuration["Raindrop:WriteKey"] = "local-demo-key";
    builder.Configuration["Raindrop:Endpoint"] = sink.Url + "/v1/";
    Console.WriteLine($"No Raindrop write key: sending to the Quickstart's local sink at {sink.Url}, which prints every request.");
}

builder.Services.AddRaindrop();   // binds "Raindrop", validates at start, flushes when the host stops

var app = builder.Build();

app.MapPost("/chat", async (ChatRequest request, IRaindropClient raindrop, CancellationToken ct) =>
{
    await using var interaction = raindrop.Begin(new InteractionOptions
    {
        UserId = request.UserId,
        Event = "chat_message",
        Input = request.Message,
        ConvoId = request.ConversationId,
        Model = "demo-model",
    });

    // A tool call: becomes a "search_docs.tool" span of this interaction.
    var docs = await interaction.WithToolAsync("search_docs", () => Docs.SearchAsync(request.Message, ct),
        new SpanOptions { Input = new Dictionary<string, object?> { ["query"] = request.Message, ["k"] = 3 } });
    interaction.SetProperty("hits", docs.Count);

    var answer = docs.Count == 0
        ? "I could not find anything about that."
        : $"Here is what I found: {string.Join(", ", docs)}.";
    await interaction.FinishAsync(output: answer, cancellationToken: ct);   // queues; never waits on the network
    return new ChatResponse(interaction.EventId, answer);
});

app.MapPost("/feedback", (FeedbackRequest feedback, IRaindropClient raindrop) =>
{
    raindrop.TrackSignal(new Signal
    {
        EventId = feedback.EventId,
        Name = feedback.Positive ? "thumbs_up" : "thumbs_down",
        Type = SignalType.Feedback,
        Sentiment = feedback.Positive ? Sentiment.Positive : Sentiment.Negative,
        Comment = feedback.Comment,
    });
    return Results.NoContent();
});

app.MapGet("/", (RaindropClient raindrop) => raindrop.IsEnabled
    ? "Raindrop is sending. POST /chat and /feedback."
    : "Raindrop is disabled (Raindrop:Disabled).");

app.Run();
