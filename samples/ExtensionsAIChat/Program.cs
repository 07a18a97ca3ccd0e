// Raindrop chat middleware for Microsoft.Extensions.AI.
//
//   dotnet run --project samples/ExtensionsAIChat
//
// Without OPENAI_API_KEY the pipeline talks to a local fake model that calls one tool (get_weather); with it, to
// OpenAI (OPENAI_MODEL, default gpt-4o-mini). Without RAINDROP_WRITE_KEY everything goes to a local sink that prints
// each request (events as JSON; /v1/traces is OTLP protobuf), as in samples/Quickstart.
using ExtensionsAIChat;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using Quickstart;
using Raindrop;
using ChatMessage = Microsoft.Extensions.AI.ChatMessage;

var writeKey = Environment.GetEnvironmentVariable("RAINDROP_WRITE_KEY");
await using var sink = string.IsNullOrEmpty(writeKey) ? LocalSink.Start() : null;
var endpoint = sink is not null
    ? sink.Url + "/v1/"
    : Environment.GetEnvironmentVariable("RAINDROP_ENDPOINT") ?? RaindropOptions.DefaultEndpoint;
Console.WriteLine(sink is not null ? $"No RAINDROP_WRITE_KEY: sending to a local sink at {sink.Url}" : $"Sending to {endpoint}");

await using var raindrop = new RaindropClient(new RaindropOptions { WriteKey = writeKey ?? "local-demo-key", Endpoint = endpoint });

var openAiKey = Environment.GetEnvironmentVariable("OPENAI_API_KEY");
IChatClient model = string.IsNullOrEmpty(openAiKey)
    ? new FakeWeatherModel()
    : new ChatClient(Environment.GetEnvironmentVariable("OPENAI_MODEL") ?? "gpt-4o-mini", openAiKey).AsIChatClient();
Console.WriteLine(string.IsNullOrEmpty(openAiKey) ? "No OPENAI_API_KEY: using a local fake model.\n" : "Using OpenAI.\n");

// The pipeline: Raindrop outside, so the tools FunctionInvokingChatClient runs become tool spans of the call.
using var chat = model.AsBuilder()
    .UseRaindrop(raindrop)
    .UseFunctionInvocation()
    .Build();

var weather = AIFunctionFactory.Create((string city) => city == "Paris" ? "sunny, 24 °C" : "cloudy", "get_weather", "Gets the current weather in a city.");

// 1. Inside an interaction: the call is an LLM span, the tool a get_weather.tool span, and the interaction gets the
//    input (last user message), output (the answer), model and token counts without the app setting them.
await using (var interaction = raindrop.Begin(new() { UserId = "user_123", Event = "weather_chat", ConvoId = "convo_7" }))
{
    var response = await chat.GetResponseAsync("What's the weather in Paris?", new ChatOptions { Tools = [weather] });
    Console.WriteLine($"[interaction {interaction.EventId}] {response.Text}\n");
}

// 2. Outside an interaction, with the user named in the call: one AI event per call; streamed chunks pass through as
//    they come and the whole answer is recorded at the end.
var options = new ChatOptions { AdditionalProperties = new() { [RaindropChatClientOptions.UserIdKey] = "user_123" } };
Console.Write("[single event] ");
await foreach (var update in chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Say hello.")], options))
{
    Console.Write(update.Text);
}

Console.WriteLine("\n");
await raindrop.FlushAsync();
var stats = raindrop.Statistics;
Console.WriteLine($"Done: {stats.Enqueued} enqueued, {stats.Sent} sent, {stats.Dropped} dropped, {stats.Failed} failed.");
