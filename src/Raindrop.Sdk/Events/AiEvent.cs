namespace Raindrop;

/// <summary>A single-shot AI event (one input and/or output) for <see cref="IRaindropClient.TrackAi"/>.</summary>
public sealed record AiEvent
{
    /// <summary>The user the event belongs to. Required.</summary>
    public required string UserId { get; init; }

    /// <summary>The event name, e.g. <c>chat_message</c>. Required.</summary>
    public required string Event { get; init; }

    /// <summary>The event id; a new lowercase UUID v4 when null.</summary>
    public string? EventId { get; init; }

    /// <summary>What the user or app sent to the AI. <see cref="Input"/> or <see cref="Output"/> is required.</summary>
    public string? Input { get; init; }

    /// <summary>What the AI answered. <see cref="Input"/> or <see cref="Output"/> is required.</summary>
    public string? Output { get; init; }

    /// <summary>The model that answered, e.g. <c>gpt-4o</c>.</summary>
    public string? Model { get; init; }

    /// <summary>The conversation this event belongs to.</summary>
    public string? ConvoId { get; init; }

    /// <summary>Arbitrary JSON-shaped properties (<c>Properties = new() { ["plan"] = "pro" }</c>), snapshotted at the call; see <see cref="TrackEvent.Properties"/>.</summary>
    public Dictionary<string, object?>? Properties { get; init; }

    /// <summary>Attachments shown with the event.</summary>
    public IReadOnlyList<Attachment>? Attachments { get; init; }

    /// <summary>When the event happened; the time of the call when null.</summary>
    public DateTimeOffset? Timestamp { get; init; }
}
