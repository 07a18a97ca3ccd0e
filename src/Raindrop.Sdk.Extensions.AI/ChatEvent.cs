using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Raindrop;

/// <summary>
/// The event of a call made outside any interaction whose user is known (from the call's options, the
/// <see cref="RaindropChatClientOptions.UserIdResolver"/>, or the app's <c>BeginScope</c> scope): its identity, which
/// the call's spans carry as association properties so Raindrop links them, and the AI event sent when the call ends.
/// </summary>
internal sealed class ChatEvent
{
    private readonly IReadOnlyDictionary<string, object?>? _scopeProperties;

    private ChatEvent(string userId, string eventName, string? convoId, IReadOnlyDictionary<string, object?>? scopeProperties)
    {
        EventId = Guid.NewGuid().ToString();
        UserId = userId;
        EventName = eventName;
        ConvoId = convoId;
        _scopeProperties = scopeProperties;
    }

    public string EventId { get; }

    public string UserId { get; }

    public string EventName { get; }

    public string? ConvoId { get; }

    /// <summary>The event of a call outside an interaction; null when its user is unknown.</summary>
    public static ChatEvent? For(RaindropChatClient owner, ChatOptions? options, RaindropScope? scope)
    {
        var userId = UserIdOf(owner, options) ?? scope?.UserId;
        return userId is null
            ? null
            : new ChatEvent(
                Id(owner, userId),
                Id(owner, OwnKeys.Value(options, RaindropChatClientOptions.EventKey) ?? owner.Settings.EventName),
                Id(owner, options?.ConversationId ?? scope?.ConvoId),
                scope?.Properties);
    }

    // Cut here, as the event's own ids will be (WIRE.md §2), so the spans carry the same ids as the event.
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(id))]
    private static string? Id(RaindropChatClient owner, string? id) =>
        owner.Core is { } core ? core.Input.Id(id)
        : id is null ? null
        : Serialization.TextLimits.Truncate(id, InputNormalizer.MaxIdChars);

    /// <summary>Gives a span of the call the event's association properties, so Raindrop links the span to the event.</summary>
    public void Associate(Activity? span)
    {
        if (span is not { IsAllDataRequested: true })
        {
            return;
        }

        // What RaindropSpan.SetProperties writes for these strings, without a dictionary, its copy and a key per tag.
        span.SetTag(Tracing.SpanAttributes.EventId, EventId);
        span.SetTag(Tracing.SpanAttributes.UserId, UserId);
        span.SetTag(Tracing.SpanAttributes.EventName, EventName);
        if (ConvoId is not null)
        {
            span.SetTag(Tracing.SpanAttributes.ConvoId, ConvoId);
        }
    }

    /// <summary>Sends the call as one AI event (or, with no content to send, a plain event that keeps the model).</summary>
    public void Send(RaindropChatClient owner, string? input, string? output, UsageDetails? usage, string? model, Exception? error)
    {
        var properties = _scopeProperties is { } scoped
            ? new Dictionary<string, object?>(scoped, StringComparer.Ordinal)
            : new Dictionary<string, object?>(StringComparer.Ordinal);
        if (usage?.InputTokenCount is { } inputTokens)
        {
            properties["input_tokens"] = inputTokens;
        }

        if (usage?.OutputTokenCount is { } outputTokens)
        {
            properties["output_tokens"] = outputTokens;
        }

        if (error is not null)
        {
            properties["error"] = error.GetType().Name + (owner.CaptureContent ? ": " + owner.Prepare(error.Message) : string.Empty);
        }

        if (output is null && input is null)
        {
            // An AI event needs an input or an output (WIRE.md §2) and there is none to send (CaptureContent = false,
            // or nothing was said): a plain event keeps the model in its properties and sends no content at all.
            if (model is not null)
            {
                properties["model"] = model;
            }

            if (ConvoId is not null)
            {
                properties["convo_id"] = ConvoId;
            }

            owner.Raindrop.Track(new TrackEvent { EventId = EventId, UserId = UserId, Event = EventName, Properties = properties });
            return;
        }

        owner.Raindrop.TrackAi(new AiEvent
        {
            EventId = EventId,
            UserId = UserId,
            Event = EventName,
            Model = model,
            Input = input,
            Output = output,
            ConvoId = ConvoId,
            Properties = properties.Count > 0 ? properties : null,
        });
    }

    private static string? UserIdOf(RaindropChatClient owner, ChatOptions? options)
    {
        var userId = OwnKeys.Value(options, RaindropChatClientOptions.UserIdKey);
        if (userId is null && owner.Settings.UserIdResolver is { } resolve)
        {
            try
            {
                userId = ChatContent.NullIfEmpty(resolve(options));
            }
            catch (Exception ex)
            {
                owner.ReportFailure("UserIdResolver", ex);
            }
        }

        return userId;
    }
}
