// Zero-code capture: no Raindrop code in the handlers, and every chat request is still an interaction with its user,
// conversation, LLM and tool spans and token counts.
//
//   dotnet run --project samples/ZeroCodeChat
//   curl -s localhost:5000/chat/convo-1 -H 'X-Demo-User: u1' -H 'content-type: application/json' -d '{"message":"What is the weather in Paris?"}'
//
// Three lines do it: AddRaindrop after the chat clients, with "CaptureChatClients": true (appsettings.json), wraps
// every registered IChatClient with the Raindrop middleware; app.UseRaindrop() (Raindrop.Sdk.AspNetCore) opens a
// scope per request with the signed-in user (ClaimTypes.NameIdentifier) and the {conversationId} route value, and
// here begins one interaction per /chat request that the model calls join.
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.AI;
using ZeroCodeChat;

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

builder.Services.AddAuthentication(DemoAuthentication.SchemeName).AddScheme<AuthenticationSchemeOptions, DemoAuthentication>(DemoAuthentication.SchemeName, null);

// The app's chat client, as it is registered today (swap in OpenAI, Azure OpenAI, Ollama...).
builder.Services.AddChatClient(new ExtensionsAIChat.FakeWeatherModel()).UseFunctionInvocation();

// After the chat clients: with "Raindrop": { "CaptureChatClients": true } each one is resolved with Raindrop in place.
builder.Services.AddRaindrop();

var app = builder.Build();
app.UseAuthentication();
app.UseRaindrop(o =>
{
    o.BeginInteractionPerRequest = true;                                   // one interaction per /chat request
    o.Filter = context => context.Request.Path.StartsWithSegments("/chat"); // nothing for the other endpoints
});

// The handlers: plain Microsoft.Extensions.AI, nothing of Raindrop.
var tools = new ChatOptions { Tools = [AIFunctionFactory.Create((string city) => $"21C and clear in {city}", "get_weather", "Gets the weather of a city.")] };
app.MapPost("/chat/{conversationId}", async (string conversationId, ChatMessageRequest request, IChatClient chat, CancellationToken ct) =>
    (await chat.GetResponseAsync(request.Message, tools, ct)).Text);

app.MapGet("/", () => "POST /chat/{conversationId} with an X-Demo-User header and {\"message\": \"...\"}.");

app.Run();

/// <summary>The body of <c>POST /chat/{conversationId}</c>.</summary>
internal sealed record ChatMessageRequest(string Message);
