using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;

namespace Raindrop.Sdk.IntegrationTests;

/// <summary>The app every test runs: a weather question, a <c>get_weather</c> tool, and a <c>POST /chat</c> endpoint.</summary>
public static class Weather
{
    public const string Question = "What is the weather in Paris?";
    public const string ToolName = "get_weather";
    public const string ToolArguments = "{\"city\":\"Paris\"}";

    /// <summary>What the tool returns: a token no prompt or answer contains otherwise, so the prompt that carries it is known.</summary>
    public const string ToolResultToken = "WX-7731";
    public const string FinalAnswer = "It is mild in Paris today.";
    public const string Event = "chat_message";

    private static int s_toolRuns;

    public static int ToolRuns => Volatile.Read(ref s_toolRuns);

    public static string GetWeather(string city)
    {
        Interlocked.Increment(ref s_toolRuns);
        return $"{ToolResultToken}: 21C and clear in {city}";
    }

    public static AIFunction Tool { get; } = AIFunctionFactory.Create((string city) => GetWeather(city), ToolName, "Gets the weather of a city.");

    /// <summary>The fake model's script for a tool round trip: call <c>get_weather</c>, then answer once the result arrives.</summary>
    public static Func<System.Text.Json.Nodes.JsonObject, ModelReply> RoundTrip { get; } = FakeOpenAiServer.ToolThenAnswer(ToolName, ToolArguments, FinalAnswer);

    public static InteractionOptions Interaction(string input = Question) => new() { UserId = "user-1", Event = Event, Input = input };

    /// <summary>
    /// <c>POST /chat?stream=true|false</c>: begins an interaction, asks the registered <c>IChatClient</c> with the tool in
    /// <c>ChatOptions.Tools</c> (or none when <paramref name="withTools"/> is false), finishes with the answer, returns the event id.
    /// </summary>
    public static Action<WebApplication> ChatEndpoint(bool withTools = true) => app => app.MapPost("/chat", async (IRaindropClient raindrop, IChatClient chat, bool? stream) =>
    {
        await using var interaction = raindrop.Begin(Interaction());
        var options = withTools ? new ChatOptions { Tools = [Tool] } : new ChatOptions();
        string answer;
        if (stream == true)
        {
            var text = new StringBuilder();
            await foreach (var update in chat.GetStreamingResponseAsync(Question, options))
            {
                text.Append(update.Text);
            }

            answer = text.ToString();
        }
        else
        {
            answer = (await chat.GetResponseAsync(Question, options)).Text;
        }

        await interaction.FinishAsync(output: answer);
        return Results.Text(interaction.EventId);
    });
}
