// ASP.NET Core minimal API with Raindrop registered from configuration.
//
//   dotnet run --project samples/AspNetCoreChat
//   curl -s localhost:5000/chat -H 'content-type: application/json' -d '{"userId":"u1","message":"reset my password"}'
//   curl -s localhost:5000/feedback -H 'content-type: application/json' -d '{"eventId":"<id>","positive":false,"comment":"off-topic"}'
//
// Set the write key in appsettings.json ("Raindrop": { "WriteKey": ... }), as Raindrop__WriteKey, or as RAINDROP_WRITE_KEY.
// With none, the client runs disabled (one warning) and the app still works. To see what it would send without an
// account, start the Quickstart's local sink and point the endpoint at it: Raindrop__WriteKey=local
// Raindrop__Endpoint=http://127.0.0.1:<sink port>/v1/ (the sink prints every request).
using AspNetCoreChat;
using Raindrop;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddRaindrop();   // binds "Raindrop", validates at start, flushes when the host stops

var app = builder.Build();
if (!app.Services.GetRequiredService<RaindropClient>().IsEnabled)
{
    app.Logger.LogWarning("No Raindrop write key: nothing is sent. To watch the requests offline, run the Quickstart's local sink " +
        "(dotnet run --project samples/Quickstart prints its URL) and start this app with Raindrop__WriteKey=local " +
        "Raindrop__Endpoint=http://127.0.0.1:<port>/v1/");
}

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
    : "Raindrop has no write key and sends nothing. Set Raindrop__WriteKey (or RAINDROP_WRITE_KEY); to watch requests locally run the Quickstart's sink and set Raindrop__Endpoint to it.");

app.Run();
