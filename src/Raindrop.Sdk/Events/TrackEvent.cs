namespace Raindrop;

/// <summary>A plain (non-AI) event for <see cref="IRaindropClient.Track"/>.</summary>
public sealed record TrackEvent
{
    /// <summary>The user the event belongs to. Required.</summary>
    public required string UserId { get; init; }

    /// <summary>The event name, e.g. <c>signed_up</c>. Required.</summary>
    public required string Event { get; init; }

    /// <summary>The event id; a new lowercase UUID v4 when null.</summary>
    public string? EventId { get; init; }

    /// <summary>
    /// Arbitrary JSON-shaped properties: strings, numbers, booleans, null, lists, nested dictionaries,
    /// <see cref="System.Text.Json.JsonElement"/> and <see cref="System.Text.Json.Nodes.JsonNode"/>.
    /// The top-level dictionary is copied at the call; nested values are read later, on the background
    /// worker, so do not mutate them after the call.
    /// </summary>
    public IReadOnlyDictionary<string, object?>? Properties { get; init; }

    /// <summary>Attachments shown with the event.</summary>
    public IReadOnlyList<Attachment>? Attachments { get; init; }

    /// <summary>When the event happened; the time of the call when null.</summary>
    public DateTimeOffset? Timestamp { get; init; }
}
