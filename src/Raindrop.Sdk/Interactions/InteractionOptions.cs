namespace Raindrop;

/// <summary>The first fields of an interaction started with <see cref="IRaindropClient.Begin"/>.</summary>
public sealed record InteractionOptions
{
    /// <summary>
    /// The user the interaction belongs to. Required unless the current <see cref="IRaindropClient.BeginScope"/> scope
    /// names one (a null or empty value takes the scope's user).
    /// </summary>
    public string? UserId { get; init; }

    /// <summary>The event name, e.g. <c>chat_message</c>. Required.</summary>
    public required string Event { get; init; }

    /// <summary>The event id; a new lowercase UUID v4 when null.</summary>
    public string? EventId { get; init; }

    /// <summary>What the user sent.</summary>
    public string? Input { get; init; }

    /// <summary>The model that answers.</summary>
    public string? Model { get; init; }

    /// <summary>The conversation the interaction belongs to.</summary>
    public string? ConvoId { get; init; }

    /// <summary>Arbitrary JSON-shaped properties (<c>Properties = new() { ["plan"] = "pro" }</c>), snapshotted at the call; see <see cref="TrackEvent.Properties"/>.</summary>
    public Dictionary<string, object?>? Properties { get; init; }

    /// <summary>Attachments shown with the event.</summary>
    public IReadOnlyList<Attachment>? Attachments { get; init; }

    /// <summary>When the interaction started; the time of the call when null.</summary>
    public DateTimeOffset? Timestamp { get; init; }
}
