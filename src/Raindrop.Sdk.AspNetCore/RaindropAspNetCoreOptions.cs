using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Raindrop;

/// <summary>How <c>app.UseRaindrop()</c> (Raindrop.Sdk.AspNetCore) turns each HTTP request into a Raindrop scope.</summary>
public sealed class RaindropAspNetCoreOptions
{
    /// <summary>The default <see cref="ConvoIdHeader"/>: <c>X-Conversation-Id</c>.</summary>
    public const string DefaultConvoIdHeader = "X-Conversation-Id";

    /// <summary>The default <see cref="ConvoIdRouteValue"/>: <c>conversationId</c>.</summary>
    public const string DefaultConvoIdRouteValue = "conversationId";

    /// <summary>
    /// The claim of <see cref="HttpContext.User"/> whose value is the request's user id. Default
    /// <see cref="ClaimTypes.NameIdentifier"/>. An anonymous request (or one without the claim) has no user: its model
    /// calls outside an interaction are not sent as events, and it gets no per-request interaction. Null: no user
    /// from claims.
    /// </summary>
    public string? UserIdClaimType { get; set; } = ClaimTypes.NameIdentifier;

    /// <summary>
    /// The request header holding the conversation id. Default <see cref="DefaultConvoIdHeader"/>; null: none. Read
    /// before <see cref="ConvoIdRouteValue"/>.
    /// </summary>
    public string? ConvoIdHeader { get; set; } = DefaultConvoIdHeader;

    /// <summary>
    /// The route value holding the conversation id (<c>/chats/{conversationId}</c>), read when the header is absent.
    /// Default <see cref="DefaultConvoIdRouteValue"/>; null: none. Route values are known only after routing: call
    /// <c>UseRaindrop()</c> after <c>UseRouting()</c> when the app calls that itself (a <c>WebApplication</c> that does
    /// not call it routes before the app's middleware).
    /// </summary>
    public string? ConvoIdRouteValue { get; set; } = DefaultConvoIdRouteValue;

    /// <summary>
    /// Decides which requests are captured: false leaves the request alone (no interaction, no event, and no span
    /// outside an interaction the handler begins itself, not even a model call's LLM span). Use it for health checks and static files. Null (the
    /// default): every request.
    /// </summary>
    public Func<HttpContext, bool>? Filter { get; set; }

    /// <summary>
    /// Begin one interaction per captured request that has a user, finished when the request's handler completes:
    /// the model calls made inside it join it (its input is the last user message of the first call, its output the
    /// last answer, with the model, tokens, LLM and tool spans); when the handler throws, it is finished with the
    /// error in its <c>error</c> property and the exception goes on. Every captured request is one interaction, so
    /// narrow <see cref="Filter"/> to the chat endpoints. Default false (model calls outside an interaction are then
    /// one AI event each, with the request's user).
    /// </summary>
    public bool BeginInteractionPerRequest { get; set; }

    /// <summary>The event name of the per-request interaction. Default <c>"chat"</c>.</summary>
    public string InteractionEventName { get; set; } = "chat";
}
