using Microsoft.Extensions.Logging;

namespace Raindrop;

/// <summary>The chat middleware's logs (event ids 900–909), <c>LoggerMessage</c>-generated, through the Raindrop client's logger.</summary>
internal static partial class ChatLog
{
    [LoggerMessage(900, LogLevel.Warning, "A chat call was made outside any Raindrop interaction and with no user id (ChatOptions.AdditionalProperties[\"raindrop.user_id\"] or RaindropChatClientOptions.UserIdResolver): only its LLM span is recorded, no event (logged once per chat client).")]
    public static partial void NoInteractionNoUser(ILogger logger);

    [LoggerMessage(901, LogLevel.Warning, "Raindrop could not record a chat call ({Stage}); the call itself was not affected (logged once per chat client, then at Debug).")]
    public static partial void RecordingFailed(ILogger logger, string stage, Exception exception);

    [LoggerMessage(902, LogLevel.Debug, "Raindrop could not record a chat call ({Stage}); the call itself was not affected.")]
    public static partial void RecordingFailedAgain(ILogger logger, string stage, Exception exception);

    [LoggerMessage(903, LogLevel.Warning, "Raindrop CaptureChatClients is on but {Registration} was registered after AddRaindrop(), so its calls are not recorded: call AddRaindrop() after registering the chat clients, or add .UseRaindrop() to its pipeline.")]
    public static partial void RegisteredAfterAddRaindrop(ILogger logger, string registration);
}
