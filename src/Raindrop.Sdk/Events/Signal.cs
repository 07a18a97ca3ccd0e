namespace Raindrop;

/// <summary>A signal about an event (thumbs up/down, an edit, an agent's own report) for <see cref="IRaindropClient.TrackSignal"/>.</summary>
public sealed record Signal
{
    /// <summary>The id of the event the signal is about. Required.</summary>
    public required string EventId { get; init; }

    /// <summary>The signal's name, e.g. <c>thumbs_down</c>. Required.</summary>
    public required string Name { get; init; }

    /// <summary>The kind of signal; <see cref="SignalType.Default"/> unless set.</summary>
    public SignalType Type { get; init; } = SignalType.Default;

    /// <summary>The sentiment, sent only when set.</summary>
    public Sentiment? Sentiment { get; init; }

    /// <summary>A feedback comment; sent inside <c>properties.comment</c>.</summary>
    public string? Comment { get; init; }

    /// <summary>The edited text of an <see cref="SignalType.Edit"/> signal; sent inside <c>properties.after</c>.</summary>
    public string? After { get; init; }

    /// <summary>The <see cref="Attachment.AttachmentId"/> the signal is about, if any.</summary>
    public string? AttachmentId { get; init; }

    /// <summary>When the signal happened; omitted (the server's time) when null.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>Arbitrary JSON-shaped properties (<c>Properties = new() { ["plan"] = "pro" }</c>), snapshotted at the call; see <see cref="TrackEvent.Properties"/>.</summary>
    public Dictionary<string, object?>? Properties { get; init; }
}
