using Microsoft.Extensions.AI;

namespace Raindrop;

/// <summary>How <see cref="RaindropChatClient"/> (<c>chatClient.AsBuilder().UseRaindrop()</c>) records chat calls.</summary>
public sealed class RaindropChatClientOptions
{
    /// <summary>
    /// <see cref="ChatOptions.AdditionalProperties"/> key naming the interaction a call belongs to (a string event id,
    /// resumed with <c>ResumeInteraction(id)</c>); when absent the ambient interaction is used.
    /// </summary>
    public const string EventIdKey = "raindrop.event_id";

    /// <summary><see cref="ChatOptions.AdditionalProperties"/> key naming the user (a string) of a call made outside any interaction.</summary>
    public const string UserIdKey = "raindrop.user_id";

    /// <summary><see cref="ChatOptions.AdditionalProperties"/> key naming the event (a string) of a call made outside any interaction; overrides <see cref="EventName"/>.</summary>
    public const string EventKey = "raindrop.event";

    /// <summary>
    /// Record message content: the prompt messages, the answer, tool arguments and results (redacted when the
    /// client's <c>RedactPii</c> is on). When false, only the model, finish reason, token counts, timing and errors
    /// are recorded. Default true.
    /// </summary>
    public bool CaptureContent { get; set; } = true;

    /// <summary>
    /// Names the user of a call made outside any interaction when <see cref="UserIdKey"/> is not in the call's
    /// <see cref="ChatOptions.AdditionalProperties"/> (for example from the current HTTP request). Receives the
    /// call's options (possibly null); returns null when the user is unknown. Exceptions are logged and treated as
    /// unknown. Default null.
    /// </summary>
    public Func<ChatOptions?, string?>? UserIdResolver { get; set; }

    /// <summary>The event name of the AI event sent for a call made outside any interaction. Default <c>"chat"</c>.</summary>
    public string EventName { get; set; } = "chat";
}
