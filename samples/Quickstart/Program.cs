// Raindrop .NET SDK quickstart.
//
//   dotnet run --project samples/Quickstart
//
// With RAINDROP_WRITE_KEY set, this sends to Raindrop (RAINDROP_ENDPOINT overrides the API URL).
// Without it, it starts a local sink that prints every request, so you can see exactly what goes on the wire.
using Quickstart;
using Raindrop;

var writeKey = Environment.GetEnvironmentVariable("RAINDROP_WRITE_KEY");
await using var sink = string.IsNullOrEmpty(writeKey) ? LocalSink.Start() : null;
var endpoint = sink is not null
    ? sink.Url + "/v1/"
    : Environment.GetEnvironmentVariable("RAINDROP_ENDPOINT") ?? RaindropOptions.DefaultEndpoint;
Console.WriteLine(sink is not null ? $"No RAINDROP_WRITE_KEY: sending to a local sink at {sink.Url}\n" : $"Sending to {endpoint}\n");

// One client per write key, for the life of the app. Every call below only enqueues; delivery runs in the
// background, and disposing the client flushes what is left.
await using var raindrop = new RaindropClient(new RaindropOptions
{
    WriteKey = writeKey ?? "local-demo-key",
    Endpoint = endpoint,
});

// 1. A single-shot AI event: one input, one output. The call returns the event's id.
var eventId = raindrop.TrackAi(new AiEvent
{
    UserId = "user_123",
    Event = "chat_message",
    Model = "gpt-4o",
    Input = "What is the capital of France?",
    Output = "The capital of France is Paris.",
    ConvoId = "convo_42",
    Properties = new()
    {
        ["plan"] = "pro",
        ["latency_ms"] = 412,
        ["tools"] = new List<string> { "search", "calculator" },
    },
    Attachments =
    [
        new Attachment { Type = AttachmentType.Text, Role = AttachmentRole.Input, Name = "Context", Value = "France is a country in Western Europe." },
    ],
});
Console.WriteLine($"Tracked AI event {eventId}\n");

// 2. An interaction: an event built up while your agent works, then finished with its output.
await using var interaction = raindrop.Begin(new()
{
    UserId = "user_123",
    Event = "chat_message",
    Input = "Summarize this document for me.",
    Model = "gpt-4o",
    ConvoId = "convo_42",
});
interaction.SetProperty("stage", "embedding");

// A tool call inside the interaction becomes a "search_docs.tool" span (exported over OTLP to /v1/traces), and the
// event gets the trace's id in properties.trace_id.
var hits = await interaction.WithToolAsync(
    "search_docs",
    () => Task.FromResult(new List<string> { "reset-password.md", "security-settings.md" }),
    new SpanOptions { Input = new Dictionary<string, object?> { ["query"] = "reset password", ["k"] = 5 } });
interaction.SetProperty("hits", hits.Count);
interaction.AddAttachments(new Attachment
{
    Type = AttachmentType.Code,
    Role = AttachmentRole.Input,
    Name = "retrieval.py",
    Value = "docs = index.search(query, k=5)",
    Language = "python",
});
await interaction.FinishAsync(output: "The document explains how to reset a password in three steps.");

// 3. A signal about that interaction: the user gave it a thumbs down.
raindrop.TrackSignal(new()
{
    EventId = interaction.EventId,
    Name = "thumbs_down",
    Type = SignalType.Feedback,
    Sentiment = Sentiment.Negative,
    Comment = "off-topic",
});

// 4. Who the user is.
raindrop.Identify("user_123", new Dictionary<string, object?>
{
    ["name"] = "Ada Lovelace",
    ["email"] = "ada@example.com",
    ["plan"] = "pro",
});

// Wait until everything queued so far is delivered (a short-lived app would otherwise just dispose the client).
await raindrop.FlushAsync();

var stats = raindrop.Statistics;
Console.WriteLine($"Done: {stats.Enqueued} enqueued, {stats.Sent} sent, {stats.Retried} retried, {stats.Dropped} dropped, {stats.Failed} failed.");
