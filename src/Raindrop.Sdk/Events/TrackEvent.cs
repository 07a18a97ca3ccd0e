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
    /// <see cref="System.Text.Json.JsonElement"/> and <see cref="System.Text.Json.Nodes.JsonNode"/>. A
    /// <see cref="Dictionary{TKey, TValue}"/> (as on every event and options record) so the short form
    /// <c>Properties = new() { ["plan"] = "pro" }</c> compiles; the SDK snapshots it, nested values included, at the
    /// call (WIRE.md §2), so changing it afterwards changes nothing that is sent. Methods that take properties
    /// (<see cref="IInteraction.SetProperties"/>, <see cref="IRaindropClient.Identify"/>) accept any
    /// <see cref="IReadOnlyDictionary{TKey, TValue}"/>.
    /// </summary>
    public Dictionary<string, object?>? Properties { get; init; }

    /// <summary>Attachments shown with the event.</summary>
    public IReadOnlyList<Attachment>? Attachments { get; init; }

    /// <summary>When the event happened; the time of the call when null.</summary>
    public DateTimeOffset? Timestamp { get; init; }
}
